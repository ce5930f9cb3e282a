//! Flattens a request struct into the `(key, value)` pairs that are signed and sent.
//!
//! The rules are the official SDKs' (protocol.md §2): lists become `Name.0`, `Name.1` (0-based),
//! nested structs and maps `Name.Field`, recursively; booleans `true`/`false`; integers in
//! decimal; floats in the shortest form that round-trips, never with an exponent (`42.0` is
//! `42`). `None`, empty lists and empty strings are omitted, as the Go SDK does. serde_qs is not
//! used: it writes `Name[0]`, which UCloudStack does not read.

use serde::ser::{self, Impossible, Serialize};
use std::fmt::{self, Display};

/// The flattened form of a request: wire key and raw (not yet url-encoded) value.
pub type Pairs = Vec<(String, String)>;

/// Flattens `value`, which must serialize as a struct or a map, into `out`.
pub fn to_pairs<T: Serialize + ?Sized>(value: &T, out: &mut Pairs) -> Result<(), EncodeError> {
    value.serialize(PairSerializer { out, key: String::new() })
}

/// Why a value could not be flattened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodeError {
    /// The wire key being written when it failed (empty at the top level).
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() { f.write_str(&self.message) } else { write!(f, "{}: {}", self.key, self.message) }
    }
}

impl std::error::Error for EncodeError {}

impl ser::Error for EncodeError {
    fn custom<M: Display>(msg: M) -> Self {
        EncodeError { key: String::new(), message: msg.to_string() }
    }
}

impl From<EncodeError> for crate::Error {
    fn from(e: EncodeError) -> Self {
        crate::Error::invalid(if e.key.is_empty() { "request" } else { &e.key }, e.message)
    }
}

/// Writes one value at `key`; containers extend the key and recurse.
struct PairSerializer<'a> {
    out: &'a mut Pairs,
    key: String,
}

impl PairSerializer<'_> {
    fn emit(self, value: String) -> Result<(), EncodeError> {
        if self.key.is_empty() {
            return Err(self.error("a scalar needs a name: flatten a struct or a map"));
        }
        if !value.is_empty() {
            self.out.push((self.key, value));
        }
        Ok(())
    }

    fn error(&self, message: &str) -> EncodeError {
        EncodeError { key: self.key.clone(), message: message.to_owned() }
    }

    /// The serializer for `key.name` (or `name` at the top level).
    fn child(&mut self, name: &str) -> PairSerializer<'_> {
        let mut key = String::with_capacity(self.key.len() + 1 + name.len());
        if !self.key.is_empty() {
            key.push_str(&self.key);
            key.push('.');
        }
        key.push_str(name);
        PairSerializer { out: self.out, key }
    }

    /// The serializer for `key.index`.
    fn element(&mut self, index: usize) -> PairSerializer<'_> {
        use std::fmt::Write;
        let mut key = String::with_capacity(self.key.len() + 4);
        key.push_str(&self.key);
        key.push('.');
        write!(key, "{index}").expect("writing to a String cannot fail");
        PairSerializer { out: self.out, key }
    }
}

fn float(v: f64, key: &str) -> Result<String, EncodeError> {
    if !v.is_finite() {
        return Err(EncodeError { key: key.to_owned(), message: format!("{v} cannot be sent: not a finite number") });
    }
    // Rust's Display for f64 is the shortest round-trip form and never uses an exponent.
    Ok(v.to_string())
}

impl<'a> ser::Serializer for PairSerializer<'a> {
    type Ok = ();
    type Error = EncodeError;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Impossible<(), EncodeError>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Impossible<(), EncodeError>;

    fn serialize_bool(self, v: bool) -> Result<(), EncodeError> {
        self.emit(if v { "true" } else { "false" }.to_owned())
    }
    fn serialize_i8(self, v: i8) -> Result<(), EncodeError> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), EncodeError> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), EncodeError> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), EncodeError> {
        self.emit(v.to_string())
    }
    fn serialize_i128(self, v: i128) -> Result<(), EncodeError> {
        self.emit(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<(), EncodeError> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), EncodeError> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), EncodeError> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), EncodeError> {
        self.emit(v.to_string())
    }
    fn serialize_u128(self, v: u128) -> Result<(), EncodeError> {
        self.emit(v.to_string())
    }
    fn serialize_f32(self, v: f32) -> Result<(), EncodeError> {
        float(f64::from(v), &self.key)?;
        // f32's own shortest form, so 42.1f32 is "42.1", not 42.099998474121094.
        self.emit(v.to_string())
    }
    fn serialize_f64(self, v: f64) -> Result<(), EncodeError> {
        let value = float(v, &self.key)?;
        self.emit(value)
    }
    fn serialize_char(self, v: char) -> Result<(), EncodeError> {
        self.emit(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<(), EncodeError> {
        self.emit(v.to_owned())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), EncodeError> {
        Err(self.error("raw bytes have no form encoding: send a string"))
    }
    fn serialize_none(self) -> Result<(), EncodeError> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), EncodeError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), EncodeError> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), EncodeError> {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), EncodeError> {
        self.emit(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<(), EncodeError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        mut self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        value.serialize(self.child(variant))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a>, EncodeError> {
        if self.key.is_empty() {
            return Err(self.error("a list needs a name: flatten a struct or a map"));
        }
        Ok(Compound { parent: self, index: 0, map_key: None })
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>, EncodeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Compound<'a>, EncodeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, EncodeError> {
        Err(self.error("tuple variants have no form encoding"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a>, EncodeError> {
        Ok(Compound { parent: self, index: 0, map_key: None })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>, EncodeError> {
        Ok(Compound { parent: self, index: 0, map_key: None })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, EncodeError> {
        Err(self.error("struct variants have no form encoding"))
    }
}

/// A list, map or struct being written under `parent.key`.
#[doc(hidden)]
pub struct Compound<'a> {
    parent: PairSerializer<'a>,
    index: usize,
    map_key: Option<String>,
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = EncodeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        let index = self.index;
        self.index += 1;
        value.serialize(self.parent.element(index))
    }
    fn end(self) -> Result<(), EncodeError> {
        Ok(())
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = EncodeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), EncodeError> {
        Ok(())
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), EncodeError> {
        Ok(())
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> Result<(), EncodeError> {
        value.serialize(self.parent.child(name))
    }
    fn end(self) -> Result<(), EncodeError> {
        Ok(())
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = EncodeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), EncodeError> {
        let mut single = Pairs::new();
        key.serialize(PairSerializer { out: &mut single, key: "k".to_owned() })?;
        match single.pop() {
            Some((_, name)) if single.is_empty() && !name.is_empty() => {
                self.map_key = Some(name);
                Ok(())
            }
            _ => Err(self.parent.error("map keys must be non-empty strings or numbers")),
        }
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        let name = self.map_key.take().ok_or_else(|| self.parent.error("map value without a key"))?;
        value.serialize(self.parent.child(&name))
    }
    fn end(self) -> Result<(), EncodeError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    fn pairs<T: Serialize>(value: &T) -> Vec<(String, String)> {
        let mut out = Pairs::new();
        to_pairs(value, &mut out).unwrap();
        out
    }

    fn strs(p: &[(String, String)]) -> Vec<(&str, &str)> {
        p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Inner {
        region: &'static str,
        int: Option<i32>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Everything {
        #[serde(rename = "IP")]
        ip: Vec<&'static str>,
        arr: Vec<Inner>,
        nest: Inner,
        flag: bool,
        off: bool,
        count: u32,
        neg: i64,
        ratio: f64,
        whole: f64,
        tiny: f64,
        huge: f64,
        missing: Option<String>,
        empty_list: Vec<String>,
        empty_string: String,
        map: BTreeMap<&'static str, u8>,
    }

    #[test]
    fn flattens_like_the_official_sdks() {
        let value = Everything {
            ip: vec!["a", "b"],
            arr: vec![Inner { region: "cn-bj2", int: None }, Inner { region: "cn-sh1", int: Some(1) }],
            nest: Inner { region: "x", int: Some(-3) },
            flag: true,
            off: false,
            count: 42,
            neg: -7,
            ratio: 42.1,
            whole: 42.0,
            tiny: 1e-7,
            huge: 1e20,
            missing: None,
            empty_list: vec![],
            empty_string: String::new(),
            map: BTreeMap::from([("K", 1), ("J", 2)]),
        };
        assert_eq!(
            strs(&pairs(&value)),
            vec![
                ("IP.0", "a"),
                ("IP.1", "b"),
                ("Arr.0.Region", "cn-bj2"),
                ("Arr.1.Region", "cn-sh1"),
                ("Arr.1.Int", "1"),
                ("Nest.Region", "x"),
                ("Nest.Int", "-3"),
                ("Flag", "true"),
                ("Off", "false"),
                ("Count", "42"),
                ("Neg", "-7"),
                ("Ratio", "42.1"),
                ("Whole", "42"),
                ("Tiny", "0.0000001"),
                ("Huge", "100000000000000000000"),
                ("Map.J", "2"),
                ("Map.K", "1"),
            ]
        );
    }

    #[test]
    fn f32_uses_its_own_shortest_form() {
        #[derive(Serialize)]
        struct F {
            v: f32,
            w: f32,
        }
        assert_eq!(strs(&pairs(&F { v: 42.1, w: 3.0 })), vec![("v", "42.1"), ("w", "3")]);
    }

    #[test]
    fn refuses_what_has_no_form() {
        #[derive(Serialize)]
        struct Nan {
            #[serde(rename = "Ratio")]
            ratio: f64,
        }
        let err = to_pairs(&Nan { ratio: f64::NAN }, &mut Pairs::new()).unwrap_err();
        assert_eq!(err.key, "Ratio");
        assert!(to_pairs(&42, &mut Pairs::new()).is_err());
        assert!(to_pairs(&vec![1, 2], &mut Pairs::new()).is_err());
    }

    #[test]
    fn top_level_map_is_allowed() {
        let map = BTreeMap::from([("Limit", "10"), ("Action", "X")]);
        assert_eq!(strs(&pairs(&map)), vec![("Action", "X"), ("Limit", "10")]);
    }
}
