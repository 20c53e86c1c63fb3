//! EJSON, the JSON dialect DDP speaks: dates travel as `{"$date": ms}` in both directions.

use apogee_core::Timestamp;
use serde::{Serialize, Serializer};
use serde_json::Value;

/// A date serialized as EJSON `{"$date": <ms since the epoch>}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub i64);

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("$date", &self.0)?;
        m.end()
    }
}

/// Reads a date a client sent: `{"$date": ms}` (what EJSON clients send), or a bare number of
/// milliseconds, or an ISO-8601 string (lenient, for hand-written clients). `None` for anything else.
pub fn parse_date(v: &Value) -> Option<Timestamp> {
    match v {
        Value::Object(o) => o.get("$date").and_then(|d| match d {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Value::String(s) => Timestamp::parse(s).map(Timestamp::millis),
            _ => None,
        }),
        Value::Number(n) => n.as_i64(),
        Value::String(s) => Timestamp::parse(s).map(Timestamp::millis),
        _ => None,
    }
    .map(Timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dates_round_trip_as_ejson() {
        assert_eq!(
            serde_json::to_value(Date(1_740_824_430_123)).unwrap(),
            json!({"$date": 1_740_824_430_123_i64})
        );
        assert_eq!(
            parse_date(&json!({"$date": 5})).map(Timestamp::millis),
            Some(5)
        );
        assert_eq!(parse_date(&json!(null)), None);
        assert_eq!(parse_date(&json!({"date": 5})), None);
    }
}
