"""A bot built on PyPI `rocketchat-async` (pinned in requirements.txt, used unchanged) over DDP.

rocketchat-async speaks only the realtime API at /websocket: it sends `connect` and the `login`
(a sha-256 digest) back to back without waiting, subscribes with `stream-room-messages`
(`{"useCollection": false, "args": []}`) and `stream-notify-user` `<uid>/rooms-changed`, and
calls `rooms/get`, `sendMessage`, `setReaction` and `stream-notify-room` as methods. Its
subscribe calls do not wait for `ready`, so each test follows a subscribe with a method call on
the same socket: the server handles one connection's frames in order, so the answer to that call
means the subscription is in place.

The people in these scenarios use the REST client (rocketchat_API), as a person's web client
would post; every wait has a deadline, so a frame the server never sends fails the test.
"""

import asyncio
import time

import pytest
from rocketchat_async import RocketChat as AsyncRocketChat

from compat_helpers import history_page, unique

# How long a frame may take to arrive before the test fails.
WAIT = 10.0


def ws_url(url):
    """The DDP endpoint for an http(s) base URL."""
    scheme, rest = url.split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/websocket"


async def rest(fn, *args, **kwargs):
    """Runs a blocking rocketchat_API call off the event loop and checks `success`."""
    result = await asyncio.to_thread(fn, *args, **kwargs)
    assert result.get("success") is True, result
    return result


async def next_matching(queue, predicate, what):
    """The first item of `queue` for which `predicate` holds (others are dropped)."""
    deadline = time.monotonic() + WAIT
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"timed out waiting for {what}")
        try:
            item = await asyncio.wait_for(queue.get(), left)
        except asyncio.TimeoutError:
            pytest.fail(f"timed out waiting for {what}")
        if predicate(item):
            return item


async def until(probe, what):
    """Polls a coroutine function until it returns something truthy."""
    deadline = time.monotonic() + WAIT
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


class Recorder:
    """Callbacks for the library's subscriptions, recording into queues."""

    def __init__(self):
        self.messages = asyncio.Queue()
        self.rooms = asyncio.Queue()

    def on_message(self, channel_id, sender_id, msg_id, thread_id, msg, qualifier, unread, repeated):
        self.messages.put_nowait(
            {
                "rid": channel_id,
                "sender": sender_id,
                "id": msg_id,
                "tmid": thread_id,
                "msg": msg,
                "t": qualifier,
                "repeated": repeated,
            }
        )

    def on_room(self, channel_id, channel_type):
        self.rooms.put_nowait((channel_id, channel_type))


async def start_bot(url, username, password):
    """A logged-in rocketchat-async client."""
    bot = AsyncRocketChat()
    await asyncio.wait_for(bot.start(ws_url(url), username, password), WAIT)
    return bot


def test_bot_answers_reacts_and_dms(url, make_user):
    """The whole bot: login, its rooms, a message from a person, answer, react, typing, DM."""
    bot_user = make_user(login=False)
    person = make_user()
    name = unique("asyncbots")
    created = person.api.channels_create(name, members=[bot_user.username])
    assert created["success"] is True, created
    channel_id = created["channel"]["_id"]

    async def scenario():
        bot = await start_bot(url, bot_user.username, bot_user.password)
        assert bot.user_id == bot_user.id
        seen = Recorder()

        # Its rooms over `rooms/get`: the new channel, as a public one.
        channels = await asyncio.wait_for(bot.get_channels(), WAIT)
        assert (channel_id, "c") in channels, channels

        await bot.subscribe_to_channel_messages(channel_id, seen.on_message)
        await bot.subscribe_to_channel_changes(seen.on_room)
        await asyncio.wait_for(bot.get_channels(), WAIT)  # both subscriptions are in place

        # A person posts over REST; the bot gets it on the room's stream.
        tag = unique("t")
        posted = await rest(person.api.chat_post_message, f"hello bot {tag}", room_id=channel_id)
        msg_id = posted["message"]["_id"]
        got = await next_matching(seen.messages, lambda m: m["id"] == msg_id, "the person's message")
        assert got == {
            "rid": channel_id,
            "sender": person.id,
            "id": msg_id,
            "tmid": None,
            "msg": f"hello bot {tag}",
            "t": None,
            "repeated": False,
        }

        # The bot answers (sendMessage) and sees its own answer come back on the stream.
        await asyncio.wait_for(bot.send_message(f"hello person {tag}", channel_id), WAIT)
        answer = await next_matching(
            seen.messages, lambda m: m["msg"] == f"hello person {tag}", "the bot's own answer"
        )
        assert answer["sender"] == bot_user.id and answer["rid"] == channel_id

        # It reacts (setReaction, not awaited by the library): the reacted message comes back as
        # a repeat, and REST shows the reaction.
        await bot.send_reaction(msg_id, ":thumbsup:")
        repeat = await next_matching(seen.messages, lambda m: m["id"] == msg_id, "the reaction update")
        assert repeat["repeated"] is True, repeat
        message = (await rest(person.api.chat_get_message, msg_id))["message"]
        assert list(message["reactions"]) == [":thumbsup:"], message
        assert message["reactions"][":thumbsup:"]["usernames"] == [bot_user.username]

        # Typing goes through `stream-notify-room` `<rid>/user-activity` and is answered.
        await asyncio.wait_for(bot.send_typing_event(channel_id), WAIT)

        # The person's REST history has the bot's answer.
        history = await asyncio.to_thread(history_page, person.api, channel_id, count=10)
        assert [m["msg"] for m in history if m["u"]["_id"] == bot_user.id] == [f"hello person {tag}"]

        # A DM: the person opens one; the bot learns of the room from rooms-changed, subscribes,
        # gets the person's message and answers in the DM.
        dm = await rest(person.api.dm_create, bot_user.username)
        dm_id = dm["room"]["_id"]
        assert dm_id == "".join(sorted([bot_user.id, person.id]))
        room = await next_matching(seen.rooms, lambda r: r[0] == dm_id, "the DM in rooms-changed")
        assert room == (dm_id, "d")
        await bot.subscribe_to_channel_messages(dm_id, seen.on_message)
        assert (dm_id, "d") in await asyncio.wait_for(bot.get_channels(), WAIT)
        dm_tag = unique("dm")
        posted = await rest(person.api.chat_post_message, f"psst {dm_tag}", room_id=dm_id)
        got = await next_matching(
            seen.messages, lambda m: m["id"] == posted["message"]["_id"], "the DM at the bot"
        )
        assert (got["rid"], got["sender"], got["msg"]) == (dm_id, person.id, f"psst {dm_tag}")
        await asyncio.wait_for(bot.send_message(f"psst back {dm_tag}", dm_id), WAIT)

        async def answered():
            page = await asyncio.to_thread(history_page, person.api, dm_id, "im", count=10)
            return [m for m in page if m["msg"] == f"psst back {dm_tag}"]

        (reply,) = await until(answered, "the bot's DM answer in im.history")
        assert reply["u"]["username"] == bot_user.username

    asyncio.run(scenario())


def test_bot_resumes_a_rest_token(url, user):
    """`resume` with a token from a REST login is the same user."""
    token = user.api.headers["X-Auth-Token"]

    async def scenario():
        bot = AsyncRocketChat()
        await asyncio.wait_for(bot.resume(ws_url(url), user.username, token), WAIT)
        assert bot.user_id == user.id
        channels = await asyncio.wait_for(bot.get_channels(), WAIT)
        assert isinstance(channels, list)

    asyncio.run(scenario())


def test_bot_login_with_a_wrong_password_fails(url, user):
    """The library raises the server's `reason` from a failed digest login."""

    async def scenario():
        bot = AsyncRocketChat()
        with pytest.raises(RuntimeError) as excinfo:
            await asyncio.wait_for(bot.start(ws_url(url), user.username, "wrong-password"), WAIT)
        assert str(excinfo.value) in ("User not found", "Incorrect password"), excinfo.value

    asyncio.run(scenario())
