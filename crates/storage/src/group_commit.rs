//! Group commit for message posts: posts from concurrent requests are queued to one task that
//! writes them in batches, one transaction (and so one fsync) per batch.
//!
//! Why: a durable commit costs a disk flush (about 0.4 ms on the reference machine), so one
//! transaction per message caps a server at a few thousand posts per second no matter how fast
//! the rest is, and on PostgreSQL the room row's lock is held across that flush, serializing posts
//! to a room. Batching amortizes the flush, and each room's counters are bumped once per batch.
//!
//! A batch is all-or-nothing; when it fails (a client-chosen id collides, a room vanished) the
//! posts of that batch are retried one transaction each, so each caller gets its own answer and
//! no one's message is lost because of someone else's.

use crate::Message;
use crate::entity::{message, room, subscription};
use crate::errors::db_err;
use apogee_core::{Error, Result};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, IntoActiveModel,
    QueryFilter, TransactionTrait,
};
use std::collections::HashMap;
use tokio::sync::{mpsc, oneshot};

/// Most posts written in one transaction: bounds the statement size and a batch's latency.
const MAX_BATCH: usize = 256;

/// Posts waiting for the writer task; beyond this, callers wait to enqueue (backpressure).
const QUEUE: usize = 4096;

/// One post waiting for the writer.
struct Job {
    message: Message,
    mark_read: bool,
    reply: oneshot::Sender<Result<Message>>,
}

/// The handle requests use to post through the writer task; cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct Poster {
    tx: mpsc::Sender<Job>,
}

impl Poster {
    /// Starts the writer task over `conn` (the serialized writer on SQLite, the pool on
    /// PostgreSQL). The task ends when every `Poster` is dropped.
    pub(crate) fn start(conn: DatabaseConnection) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(conn, rx));
        Self { tx }
    }

    /// Posts a message (see [`crate::repo::messages::post_as_reader`]) and waits for its commit.
    pub(crate) async fn post(&self, message: Message, mark_read: bool) -> Result<Message> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Job {
                message,
                mark_read,
                reply,
            })
            .await
            .map_err(|_| Error::internal("the message writer has stopped"))?;
        answer
            .await
            .map_err(|_| Error::internal("the message writer dropped a post"))?
    }
}

/// The writer task: takes whatever has queued up (at least one post), commits it, answers.
async fn run(conn: DatabaseConnection, mut rx: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let jobs: Vec<Job> = std::mem::take(&mut batch);
        match write_batch(&conn, &jobs).await {
            Ok(stored) => {
                for (job, m) in jobs.into_iter().zip(stored) {
                    let _ = job.reply.send(Ok(m));
                }
            }
            Err(e) => {
                if jobs.len() > 1 {
                    tracing::debug!(error = %e, posts = jobs.len(), "batch failed; posting one by one");
                }
                for job in jobs {
                    let outcome = write_batch(&conn, std::slice::from_ref(&job))
                        .await
                        .map(|mut v| v.remove(0));
                    let _ = job.reply.send(outcome);
                }
            }
        }
    }
}

/// Writes a batch in one transaction and returns the stored messages (with their sequence
/// numbers) in the batch's order. Fails as a whole.
async fn write_batch(conn: &DatabaseConnection, jobs: &[Job]) -> Result<Vec<Message>> {
    let txn = conn.begin().await.map_err(db_err)?;
    let mut out: Vec<Message> = jobs.iter().map(|j| j.message.clone()).collect();
    // Rooms in first-seen order, each with the indexes of its posts.
    let mut rooms: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, m) in out.iter().enumerate() {
        match rooms.iter_mut().find(|(rid, _)| *rid == m.rid) {
            Some((_, idx)) => idx.push(i),
            None => rooms.push((m.rid.clone(), vec![i])),
        }
    }
    for (rid, idx) in &rooms {
        let n = idx.len() as i64;
        let Some(&last_i) = idx.last() else { continue };
        let last = &out[last_i];
        let top = bump_room(&txn, rid, n, last.ts, &last.id, last.updated_at).await?;
        for (k, &i) in idx.iter().enumerate() {
            out[i].seq = top - n + 1 + k as i64;
        }
    }
    message::Entity::insert_many(out.iter().cloned().map(IntoActiveModel::into_active_model))
        .exec(&txn)
        .await
        .map_err(db_err)?;
    // The author has read what they wrote: one read mark per (author, room), at their last post.
    let mut marks: HashMap<(&str, &str), &Message> = HashMap::new();
    for (job, m) in jobs.iter().zip(&out) {
        if job.mark_read {
            marks.insert((m.u_id.as_str(), m.rid.as_str()), m);
        }
    }
    for ((uid, rid), m) in marks {
        subscription::Entity::update_many()
            .col_expr(subscription::Column::ReadSeq, Expr::value(m.seq))
            .col_expr(subscription::Column::Ls, Expr::value(m.ts))
            .col_expr(subscription::Column::Lr, Expr::value(m.ts))
            .col_expr(subscription::Column::Open, Expr::value(true))
            .col_expr(subscription::Column::UpdatedAt, Expr::value(m.ts))
            .filter(subscription::Column::UserId.eq(uid))
            .filter(subscription::Column::Rid.eq(rid))
            .exec(&txn)
            .await
            .map_err(db_err)?;
    }
    txn.commit().await.map_err(db_err)?;
    Ok(out)
}

/// Takes `n` sequence numbers of a room and records its last message; returns the new top
/// sequence number. The UPDATE comes first so that on PostgreSQL concurrent writers (other
/// instances) queue on the row lock instead of racing for the same numbers.
async fn bump_room(
    txn: &DatabaseTransaction,
    rid: &str,
    n: i64,
    ts: i64,
    last_id: &str,
    updated_at: i64,
) -> Result<i64> {
    // RETURNING hands back the new sequence number with the update itself (SQLite >= 3.35, PG).
    let updated = room::Entity::update_many()
        .col_expr(room::Column::Seq, Expr::col(room::Column::Seq).add(n))
        .col_expr(room::Column::Msgs, Expr::col(room::Column::Msgs).add(n))
        .col_expr(room::Column::LastMessageAt, Expr::value(ts))
        .col_expr(room::Column::LastMessage, Expr::value(last_id.to_owned()))
        .col_expr(room::Column::UpdatedAt, Expr::value(updated_at))
        .filter(room::Column::Id.eq(rid))
        .exec_with_returning(txn)
        .await
        .map_err(db_err)?;
    updated
        .first()
        .map(|r| r.seq)
        .ok_or_else(|| Error::meteor("error-invalid-room", "Invalid room"))
}
