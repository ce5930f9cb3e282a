//! Open string enums: the known values as variants, anything else kept as sent.

/// How much of a value the server sent that `Display` and `Debug` show: a hostile or broken
/// server must not turn one status into megabytes of log.
pub(crate) const SHOWN: usize = 128;

/// Defines an open string enum: known values as variants, anything else kept in `Unknown`, so
/// a value a newer server sends still decodes, and re-encodes unchanged.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version of the crate does not know, kept as the server sent it.
            Unknown(String),
        }

        impl $name {
            /// The value as it is on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )*
                    $name::Unknown(other) => other,
                }
            }

            /// The values this version of the crate knows.
            pub const KNOWN: &'static [&'static str] = &[$($wire),*];
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $wire => $name::$variant, )*
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match $name::from(value.as_str()) {
                    $name::Unknown(_) => $name::Unknown(value),
                    known => known,
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok($name::from(value))
            }
        }

        /// Shows an `Unknown` value cut at 128 bytes: it comes from the server.
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    $name::Unknown(other) => f.write_str(&$crate::excerpt::excerpt_of(other.as_bytes(), $crate::open_enum::SHOWN)),
                    known => f.write_str(known.as_str()),
                }
            }
        }

        /// Shows an `Unknown` value cut at 128 bytes, as `Display` does.
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    $( $name::$variant => f.write_str(stringify!($variant)), )*
                    $name::Unknown(other) => f
                        .debug_tuple("Unknown")
                        .field(&$crate::excerpt::excerpt_of(other.as_bytes(), $crate::open_enum::SHOWN))
                        .finish(),
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " string"))
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::from(v))
                    }
                    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<$name, E> {
                        Ok($name::from(v))
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<$name, E> {
                        Ok($name::Unknown(v.to_string()))
                    }
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<$name, E> {
                        Ok($name::Unknown(v.to_string()))
                    }
                }
                // deserialize_any, so a number the server sends instead of a name still decodes.
                deserializer.deserialize_any(V)
            }
        }
    };
}
pub(crate) use string_enum;
