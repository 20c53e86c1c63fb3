//! Rocket.Chat's parameter conventions: paging (`offset`, `count`, `sort`), user addressing, and
//! `qs`-style arrays in query strings.

use crate::state::AppState;
use apogee_core::names::setting;
use apogee_core::{Error, Result};
use apogee_storage::Page;
use apogee_users::UserSelector;
use serde_json::Value;

/// Builds a page from the raw parameters, with Rocket.Chat's defaults and limits:
/// `count` defaults to `API_Default_Count`, is capped at `API_Upper_Count_Limit`, and `0` means
/// everything when `API_Allow_Infinite_Count` is on.
pub fn page(
    state: &AppState,
    offset: Option<i64>,
    count: Option<i64>,
    sort: Option<&str>,
) -> Result<Page> {
    let s = state.users.settings();
    let offset = offset.unwrap_or(0);
    if offset < 0 {
        return Err(Error::invalid_params("offset must be >= 0"));
    }
    let default = s.int(setting::API_DEFAULT_COUNT).max(1);
    let upper = s.int(setting::API_UPPER_COUNT_LIMIT).max(1);
    let count = match count {
        None => Some(default),
        Some(c) if c < 0 => return Err(Error::invalid_params("count must be >= 0")),
        Some(0) if s.bool(setting::API_ALLOW_INFINITE_COUNT) => None,
        Some(0) => Some(default),
        Some(c) => Some(c.min(upper)),
    };
    Ok(Page {
        offset: u64::try_from(offset).unwrap_or(0),
        count: count.map(|c| u64::try_from(c).unwrap_or(0)),
        sort: parse_sort(sort)?,
    })
}

/// Parses `sort={"field":1,"other":-1}`; anything else is `error-invalid-sort`.
pub fn parse_sort(sort: Option<&str>) -> Result<Vec<(String, bool)>> {
    let Some(raw) = sort.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(Vec::new());
    };
    let invalid = || {
        Error::meteor(
            "error-invalid-sort",
            format!("Invalid sort parameter provided: \"{raw}\""),
        )
    };
    let Value::Object(map) = serde_json::from_str::<Value>(raw).map_err(|_| invalid())? else {
        return Err(invalid());
    };
    map.into_iter()
        .map(|(k, v)| match v.as_i64() {
            Some(1) => Ok((k, true)),
            Some(-1) => Ok((k, false)),
            _ => Err(invalid()),
        })
        .collect()
}

/// The user a request names by `userId`, `username` (or legacy `user`), or `email`.
pub fn user_selector(
    user_id: Option<&str>,
    username: Option<&str>,
    email: Option<&str>,
) -> Option<UserSelector> {
    let nonempty = |s: Option<&str>| {
        s.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    if let Some(id) = nonempty(user_id) {
        Some(UserSelector::Id(id))
    } else if let Some(u) = nonempty(username) {
        Some(UserSelector::Username(u.trim_start_matches('@').to_owned()))
    } else {
        nonempty(email).map(UserSelector::Email)
    }
}

/// `error-user-param-not-provided`, Rocket.Chat's error when no user is named.
pub fn user_param_missing() -> Error {
    Error::meteor(
        "error-user-param-not-provided",
        "The required \"userId\" or \"username\" param was not provided",
    )
}

/// Values of a query parameter in any of `qs`' array forms: `k=a,b`, `k=a&k=b`, `k[]=a&k[]=b`,
/// `k[0]=a`.
pub fn query_list(query: &str, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_decode(k);
        let base = k.split('[').next().unwrap_or("");
        if base == key {
            for part in percent_decode(v).split(',') {
                let part = part.trim();
                if !part.is_empty() {
                    out.push(part.to_owned());
                }
            }
        }
    }
    out
}

/// Decodes `%XX` escapes and `+` (as a space).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An optional date parameter (ISO-8601 or epoch ms); a bad one is `error-<name>-param-invalid`.
pub fn date_param(v: Option<&str>, name: &str) -> Result<Option<apogee_core::Timestamp>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => apogee_core::Timestamp::parse(s).map(Some).ok_or_else(|| {
            Error::meteor(
                format!("error-{name}-param-invalid"),
                format!("The \"{name}\" query parameter must be a valid date."),
            )
        }),
    }
}

/// A required parameter, or the missing-property error.
pub fn required<T>(v: Option<T>, name: &str) -> Result<T, Error> {
    v.ok_or_else(|| Error::missing_param(name))
}

/// A required non-blank string parameter, or the missing-property error.
pub fn required_str(v: Option<String>, name: &str) -> Result<String, Error> {
    v.filter(|s| !s.trim().is_empty())
        .ok_or_else(|| Error::missing_param(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_lists_in_qs_forms() {
        assert_eq!(query_list("ids[]=a&ids[]=b&x=1", "ids"), vec!["a", "b"]);
        assert_eq!(query_list("ids=a,b", "ids"), vec!["a", "b"]);
        assert_eq!(query_list("ids%5B0%5D=a", "ids"), vec!["a"]);
        assert_eq!(percent_decode("a%20b+c%"), "a b c%");
    }

    #[test]
    fn sort_parsing() {
        assert_eq!(
            parse_sort(Some(r#"{"username":1,"createdAt":-1}"#)).unwrap(),
            vec![
                ("username".to_owned(), true),
                ("createdAt".to_owned(), false)
            ]
        );
        assert!(parse_sort(Some("{bad")).is_err());
        assert!(parse_sort(Some(r#"{"a":2}"#)).is_err());
        assert!(parse_sort(None).unwrap().is_empty());
    }
}
