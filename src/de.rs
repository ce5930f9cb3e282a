//! Lenient field decoders for what real servers send: integers as numbers or numeric strings
//! (`"RetCode":"171"`), `null` for absent values, strings that arrive as numbers.

use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// What every lenient visitor does with `null`, a missing value and `Some(..)`: absent, absent,
/// and the value read as any scalar.
macro_rules! optional {
    ($de:lifetime) => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<$de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    };
}

/// Turns any JSON scalar into `Option<i64>`: numbers, integral floats and numeric strings are
/// values; `null` and `""` are `None`.
struct IntVisitor;

impl<'de> Visitor<'de> for IntVisitor {
    type Value = Option<i64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer or a string holding one")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        i64::try_from(v).map(Some).map_err(|_| E::custom(format!("{v} does not fit in an i64")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            Ok(Some(v as i64))
        } else {
            Err(E::custom(format!("{v} is not an integer")))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let t = v.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<i64>().map(Some).map_err(|_| E::custom(format!("{v:?} is not an integer")))
    }
    optional!('de);
}

/// A required integer: a number or a numeric string; `null` is an error.
pub(crate) fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    d.deserialize_any(IntVisitor)?.ok_or_else(|| de::Error::custom("expected an integer, found null or \"\""))
}

/// An optional integer: a number, a numeric string, `null` or `""`.
pub(crate) fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    d.deserialize_option(IntVisitor)
}

/// Turns any JSON scalar into `Option<String>`: numbers and booleans become their text.
struct StringVisitor;

impl<'de> Visitor<'de> for StringVisitor {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    optional!('de);
}

/// An optional string; numbers are taken as their text, `null` is `None`.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_option(StringVisitor)
}

/// A string that may be absent or `null` (then empty).
pub(crate) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_string(d)?.unwrap_or_default())
}

/// Turns a JSON scalar into `Option<bool>`: `true`/`false`, `1`/`0`, and the strings
/// `"true"`/`"false"`, `"Y"`/`"N"`, `"1"`/`"0"`; `null` and `""` are `None`.
struct BoolVisitor;

impl<'de> Visitor<'de> for BoolVisitor {
    type Value = Option<bool>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean, 0 or 1, or Y or N")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        match v {
            0 => Ok(Some(false)),
            1 => Ok(Some(true)),
            _ => Err(E::custom(format!("{v} is not a boolean"))),
        }
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        match v.trim() {
            "" => Ok(None),
            "true" | "True" | "TRUE" | "Y" | "y" | "Yes" | "yes" | "1" => Ok(Some(true)),
            "false" | "False" | "FALSE" | "N" | "n" | "No" | "no" | "0" => Ok(Some(false)),
            _ => Err(E::custom(format!("{v:?} is not a boolean"))),
        }
    }
    optional!('de);
}

/// An optional boolean, in any of the forms the platform uses.
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    d.deserialize_option(BoolVisitor)
}

/// Writes an optional boolean as the platform's `"Y"` / `"N"`.
pub(crate) fn yes_no<S: serde::Serializer>(value: &Option<bool>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(true) => s.serialize_str("Y"),
        Some(false) => s.serialize_str("N"),
        None => s.serialize_none(),
    }
}

/// Turns a JSON number or numeric string into `Option<f64>`; `null` and `""` are `None`.
struct FloatVisitor;

impl<'de> Visitor<'de> for FloatVisitor {
    type Value = Option<f64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number or a string holding one")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v as f64))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let t = v.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<f64>().map(Some).map_err(|_| E::custom(format!("{v:?} is not a number")))
    }
    optional!('de);
}

/// An optional number, as a number or a numeric string.
pub(crate) fn opt_float<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    d.deserialize_option(FloatVisitor)
}

/// An optional number where a value that is no number (`"-"`, `"N/A"`, a list) is absent: for
/// the figures a listing shows (usage, utilization), where one odd value must not fail a page.
pub(crate) fn lax_float<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let value = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
    Ok(opt_float(value).unwrap_or(None))
}

/// An optional boolean where a value that is no boolean (`2`, `"maybe"`) is absent.
pub(crate) fn lax_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let value = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
    Ok(opt_bool(value).unwrap_or(None))
}

/// An optional integer where a value that is no integer (`"-"`, `"50%"`, a list) is absent;
/// a fractional number is cut to its whole part: for progress figures.
pub(crate) fn lax_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let value = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
    match opt_int(&value) {
        Ok(int) => Ok(int),
        Err(_) => {
            Ok(opt_float(&value).ok().flatten().filter(|f| f.is_finite() && f.abs() < 9.0e15).map(|f| f.trunc() as i64))
        }
    }
}

/// A list of strings where numbers are their text; `null`, `""`, anything that is no list, and
/// entries that are no scalar are left out: one odd value must not fail a page.
pub(crate) fn lax_strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let value = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
    let serde_json::Value::Array(entries) = value else { return Ok(Vec::new()) };
    Ok(entries
        .into_iter()
        .filter_map(|entry| match entry {
            serde_json::Value::String(s) => Some(s),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect())
}

/// A list of objects where anything that is no list is empty and an entry that does not decode
/// is left out.
pub(crate) fn lax_list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let value = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
    let serde_json::Value::Array(entries) = value else { return Ok(Vec::new()) };
    Ok(entries.into_iter().filter_map(|entry| T::deserialize(entry).ok()).collect())
}

/// A list that may be `null` (then empty).
pub(crate) fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    Ok(<Option<Vec<T>> as serde::Deserialize>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct T {
        #[serde(deserialize_with = "super::int")]
        a: i64,
        #[serde(default, deserialize_with = "super::opt_int")]
        b: Option<i64>,
        #[serde(default, deserialize_with = "super::opt_string")]
        c: Option<String>,
        #[serde(default, deserialize_with = "super::list")]
        d: Vec<u8>,
    }

    fn t(json: &str) -> Result<T, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn accepts_what_servers_send() {
        let want = T { a: 171, b: Some(5), c: Some("7".into()), d: vec![] };
        assert_eq!(t(r#"{"a":"171","b":5.0,"c":7,"d":null}"#).unwrap(), want);
        assert_eq!(t(r#"{"a":171,"b":" 5 ","c":"7"}"#).unwrap(), want);
        assert_eq!(t(r#"{"a":1,"b":null,"c":null}"#).unwrap(), T { a: 1, b: None, c: None, d: vec![] });
        assert_eq!(t(r#"{"a":1,"b":""}"#).unwrap().b, None);
    }

    #[test]
    fn booleans_and_floats_in_every_form() {
        #[derive(Deserialize)]
        struct B {
            #[serde(default, deserialize_with = "super::opt_bool")]
            b: Option<bool>,
            #[serde(default, deserialize_with = "super::opt_float")]
            f: Option<f64>,
        }
        let b = |json: &str| serde_json::from_str::<B>(json).map(|v| (v.b, v.f)).ok();
        assert_eq!(b(r#"{"b":"Y","f":"0.5"}"#), Some((Some(true), Some(0.5))));
        assert_eq!(b(r#"{"b":0,"f":3}"#), Some((Some(false), Some(3.0))));
        assert_eq!(b(r#"{"b":null,"f":""}"#), Some((None, None)));
        assert_eq!(b(r#"{"b":true}"#), Some((Some(true), None)));
        assert_eq!(b(r#"{"b":"maybe"}"#), None);
        assert_eq!(b(r#"{"b":2}"#), None);
    }

    #[test]
    fn lax_fields_read_odd_values_as_absent() {
        #[derive(Deserialize)]
        struct L {
            #[serde(default, deserialize_with = "super::lax_bool")]
            b: Option<bool>,
            #[serde(default, deserialize_with = "super::lax_float")]
            f: Option<f64>,
        }
        let l = |json: &str| serde_json::from_str::<L>(json).map(|v| (v.b, v.f)).unwrap();
        assert_eq!(l(r#"{"b":2,"f":"-"}"#), (None, None));
        assert_eq!(l(r#"{"b":"maybe","f":"N/A"}"#), (None, None));
        assert_eq!(l(r#"{"b":[1],"f":{"x":1}}"#), (None, None));
        assert_eq!(l(r#"{"b":"Y","f":"12.5"}"#), (Some(true), Some(12.5)));
    }

    #[test]
    fn lax_ints_and_lists_read_odd_values_as_absent() {
        #[derive(Deserialize)]
        struct L {
            #[serde(default, deserialize_with = "super::lax_int")]
            i: Option<i64>,
            #[serde(default, deserialize_with = "super::lax_strings")]
            s: Vec<String>,
        }
        let l = |json: &str| serde_json::from_str::<L>(json).map(|v| (v.i, v.s)).unwrap();
        assert_eq!(l(r#"{"i":"50","s":["a",7]}"#), (Some(50), vec!["a".to_owned(), "7".to_owned()]));
        assert_eq!(l(r#"{"i":33.7,"s":["a",null,{"x":1}]}"#), (Some(33), vec!["a".to_owned()]));
        assert_eq!(l(r#"{"i":"50%","s":""}"#), (None, vec![]));
        assert_eq!(l(r#"{"i":[1],"s":null}"#), (None, vec![]));
        assert_eq!(l(r#"{}"#), (None, vec![]));
    }

    #[test]
    fn refuses_what_is_not_an_integer() {
        for bad in [r#"{"a":null}"#, r#"{"a":"x"}"#, r#"{"a":1.5}"#, r#"{"a":[]}"#, r#"{"a":1,"b":"1e3"}"#, r#"{}"#] {
            assert!(t(bad).is_err(), "{bad}");
        }
    }
}
