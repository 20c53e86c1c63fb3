//! A boolean that also accepts `"true"`/`"false"` strings (and 0/1), as Rocket.Chat's lenient
//! parameter handling does: clients send booleans as strings in JSON bodies too.

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{
    ParseError, ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type,
};
use serde_json::Value;
use std::borrow::Cow;

/// A lenient boolean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flag(pub bool);

impl Type for Flag {
    const IS_REQUIRED: bool = true;
    type RawValueType = bool;
    type RawElementValueType = bool;

    fn name() -> Cow<'static, str> {
        "boolean".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new("boolean")))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(std::iter::once(&self.0))
    }
}

fn from_str(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" | "" => Some(false),
        _ => None,
    }
}

impl ParseFromJSON for Flag {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::Bool(b)) => Ok(Self(b)),
            Some(Value::String(s)) => from_str(&s)
                .map(Self)
                .ok_or_else(|| ParseError::custom("must be boolean")),
            Some(Value::Number(n)) if n.as_i64() == Some(0) || n.as_i64() == Some(1) => {
                Ok(Self(n.as_i64() == Some(1)))
            }
            _ => Err(ParseError::custom("must be boolean")),
        }
    }
}

impl ParseFromParameter for Flag {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        from_str(value)
            .map(Self)
            .ok_or_else(|| ParseError::custom("must be boolean"))
    }
}

impl ToJSON for Flag {
    fn to_json(&self) -> Option<Value> {
        Some(Value::Bool(self.0))
    }
}
