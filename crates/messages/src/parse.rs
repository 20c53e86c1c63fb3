//! What Rocket.Chat fills in from a message's text: `@user`, `@all`, `@here` mentions and
//! `#channel` references (only names that exist).

use apogee_core::Result;
use apogee_storage::{Db, repo};
use serde_json::{Value, json};

fn tokens(text: &str, sigil: char) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let boundary = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if chars[i] == sigil && boundary {
            let start = i + 1;
            let mut end = start;
            while end < chars.len()
                && (chars[end].is_ascii_alphanumeric() || matches!(chars[end], '-' | '_' | '.'))
            {
                end += 1;
            }
            let word: String = chars[start..end]
                .iter()
                .collect::<String>()
                .trim_end_matches('.')
                .to_owned();
            if !word.is_empty() && !out.contains(&word) {
                out.push(word);
            }
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// `(mentions, channels)` as Rocket.Chat stores them on a message.
pub async fn references(db: &Db, text: &str) -> Result<(Vec<Value>, Vec<Value>)> {
    let mut mentions = Vec::new();
    for name in tokens(text, '@') {
        if name == "all" || name == "here" {
            mentions.push(json!({"_id": name, "username": name}));
        } else if let Some(u) = repo::users::by_username(db, &name).await? {
            mentions
                .push(json!({"_id": u.id, "username": u.username, "name": u.name, "type": "user"}));
        }
    }
    let mut channels = Vec::new();
    for name in tokens(text, '#') {
        if let Some(r) = repo::rooms::by_name(db, &name).await?
            && r.t == "c"
        {
            channels.push(json!({"_id": r.id, "name": r.name}));
        }
    }
    Ok((mentions, channels))
}

#[cfg(test)]
mod tests {
    use super::tokens;

    #[test]
    fn finds_words_after_sigils() {
        assert_eq!(
            tokens("hi @bob and @all, see #dev.", '@'),
            vec!["bob", "all"]
        );
        assert_eq!(tokens("hi @bob and @all, see #dev.", '#'), vec!["dev"]);
        assert!(tokens("mail a@b.com", '@').is_empty());
        assert_eq!(tokens("@x @x", '@'), vec!["x"]);
    }
}
