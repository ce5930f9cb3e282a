//! The `Action` trait: what the client needs to know to send one kind of request.
//!
//! A typed action is a request struct that serializes to its wire fields, a response struct,
//! and this trait tying them together. Adding a UCloudStack action to the crate is one file
//! (see `src/image/delete_custom_image.rs` for the smallest), and users can do the same for an
//! action we do not wrap yet and send it with [`Client::send`](crate::Client::send).

use serde::Serialize;
use serde::de::DeserializeOwned;

/// One UCloudStack API action: its wire name, its response type and its retry safety.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use ucloudstack::{Action, ApiResponse};
///
/// /// DescribeVPC, typed by the user.
/// #[derive(Serialize)]
/// struct DescribeVpc {
///     #[serde(rename = "Limit")]
///     limit: u32,
/// }
///
/// #[derive(Deserialize)]
/// struct DescribeVpcResponse {
///     #[serde(rename = "RetCode")]
///     ret_code: i64,
///     #[serde(rename = "Message", default)]
///     message: String,
///     #[serde(rename = "TotalCount")]
///     total_count: i64,
/// }
///
/// impl ApiResponse for DescribeVpcResponse {
///     fn ret_code(&self) -> i64 { self.ret_code }
///     fn message(&self) -> &str { &self.message }
/// }
///
/// impl Action for DescribeVpc {
///     const NAME: &'static str = "DescribeVPC";
///     const IDEMPOTENT: bool = true;
///     type Output = DescribeVpcResponse;
/// }
/// // client.send(DescribeVpc { limit: 10 }).await?
/// ```
pub trait Action: Serialize + Send + Sync {
    /// The wire name, sent as `Action`, e.g. `DescribeImage`.
    const NAME: &'static str;

    /// Whether sending the request twice has the same effect as sending it once. Only
    /// idempotent actions are re-sent after the request may have reached the server.
    const IDEMPOTENT: bool;

    /// The decoded response.
    type Output: ApiResponse;

    /// Whether the action takes a `Region` (every action but a few, such as DescribeRegion):
    /// the client then adds its default when the request has none, and refuses to send
    /// without one.
    const REGIONAL: bool = true;

    /// The request's own `Region`, which wins over the client's default.
    fn region(&self) -> Option<&str> {
        None
    }

    /// Checks the request against the API's rules; called before anything is sent.
    fn validate(&self) -> Result<(), crate::Error> {
        Ok(())
    }

    /// Called once before the request is first sent, when [`settle`](Action::settle) will need
    /// to tell what this call made from what was there before: the ids it returns reach
    /// `settle` as [`Failure::existing`]. CreateCustomImage with `recover_by_name` notes the
    /// images of its name, so that recovery never adopts one of them, whatever the clocks say.
    /// An error here ends the call before anything is sent. The default notes nothing.
    fn note_existing(
        &self,
        client: &crate::Client,
    ) -> impl std::future::Future<Output = Result<Vec<String>, crate::Error>> + Send {
        let _ = client;
        std::future::ready(Ok(Vec::new()))
    }

    /// Called when a call has failed, before the error reaches the caller: a chance to settle
    /// an unknown outcome, that is, to find out whether a request whose answer was lost (a
    /// timeout, a cut connection, an unreadable answer) did its work after all.
    /// DeleteCustomImage uses it ("not found" after a lost answer means the image was
    /// deleted), CreateCustomImage with `recover_by_name` too. The default keeps the error.
    fn settle(
        &self,
        client: &crate::Client,
        failure: Failure,
    ) -> impl std::future::Future<Output = Result<Self::Output, crate::Error>> + Send {
        let _ = client;
        std::future::ready(Err(failure.error))
    }
}

/// A failed call, as [`Action::settle`] sees it.
#[derive(Debug)]
#[non_exhaustive]
pub struct Failure {
    /// The error the call ends with.
    pub error: crate::Error,
    /// Whether an attempt before the last had an unknown outcome: it may have been carried out
    /// although its answer was lost.
    pub earlier_outcome_unknown: bool,
    /// When the call began, by the system clock.
    pub started: std::time::SystemTime,
    /// What [`Action::note_existing`] found before the request was first sent.
    pub existing: Vec<String>,
    /// When the call's total timeout runs out, if it has one: settling must end by then.
    pub deadline: Option<tokio::time::Instant>,
}

/// A response body: every UCloudStack response carries `RetCode` and `Message`.
///
/// The client decodes the body straight into the implementing type in one pass, then turns a
/// non-zero `RetCode` into [`Error::Api`](crate::Error::Api).
pub trait ApiResponse: DeserializeOwned + Send + 'static {
    /// The `RetCode` of the body (0 is success).
    fn ret_code(&self) -> i64;
    /// The `Message` of the body (empty when there is none).
    fn message(&self) -> &str;
}

/// Checks that a required string field is set and not blank.
pub(crate) fn required(field: &str, value: &Option<String>) -> Result<(), crate::Error> {
    match value.as_deref() {
        None => Err(crate::Error::invalid(field, "is required")),
        Some(v) if v.trim().is_empty() => Err(crate::Error::invalid(field, "must not be empty or blank")),
        Some(_) => Ok(()),
    }
}

/// Checks that an optional string field, when set, is not blank (an empty value would be
/// dropped from the wire rather than sent).
pub(crate) fn not_blank(field: &str, value: &Option<String>) -> Result<(), crate::Error> {
    match value.as_deref() {
        Some(v) if v.trim().is_empty() => Err(crate::Error::invalid(field, "must not be empty or blank when set")),
        _ => Ok(()),
    }
}

/// Checks that no entry of a list is blank (an empty entry would shift the `Name.N` indices).
pub(crate) fn no_blank_entries<T: AsRef<str>>(field: &str, values: &[T]) -> Result<(), crate::Error> {
    match values.iter().position(|v| v.as_ref().trim().is_empty()) {
        Some(i) => Err(crate::Error::invalid(format!("{field}.{i}"), "must not be empty or blank")),
        None => Ok(()),
    }
}

/// A request field that is not sent when unset: `None`, or an empty list.
pub(crate) trait Unset {
    fn is_unset(&self) -> bool;
}

impl<T> Unset for Option<T> {
    fn is_unset(&self) -> bool {
        self.is_none()
    }
}

impl<T> Unset for Vec<T> {
    fn is_unset(&self) -> bool {
        self.is_empty()
    }
}

/// For `skip_serializing_if`: whether a field is left off the wire.
pub(crate) fn is_unset<T: Unset>(value: &T) -> bool {
    value.is_unset()
}

/// Defines one action from one declaration, each field documented once: the request struct,
/// its builder, the fluent builder `client.<method>()`, the `Action` impl with the checks each
/// field's kind implies, and the response struct.
///
/// A field is `"Wire" name: Type => how(Param)`, where `how` is `set` (`Option<T>` from
/// `impl Into<Param>`), `required` (the same, and the field must be set and not blank),
/// `value` (`Option<T>` from a `Param`), `extend` (`Vec<T>` from any iterator of
/// `impl Into<Param>`, no blank entry) or, for `local` fields that are not sent, `flag` (a
/// `bool`).
macro_rules! action {
    (
        $(#[$doc:meta])*
        $name:literal => $request:ident, $builder:ident, $fluent:ident, $method:ident;
        idempotent: $idempotent:expr;
        $(check: $check:path;)?
        $(note_existing: $note:path;)?
        $(settle: $settle:path;)?
        request {
            $( $(#[$fdoc:meta])* $wire:literal $field:ident: $ty:ty => $how:ident($param:ty), )*
        }
        $(local {
            $( $(#[$ldoc:meta])* $lfield:ident: $lty:ty => $lhow:ident($lparam:ty), )*
        })?
        response $response:ident {
            $($body:tt)*
        }
    ) => {
        #[doc = concat!("A ", $name, " request. Build it with [`", stringify!($request), "::builder`], or send it fluently with [`Client::", stringify!($method), "`](crate::Client::", stringify!($method), ").")]
        #[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
        #[non_exhaustive]
        pub struct $request {
            /// `Region`: the region; the client's default when `None`.
            #[serde(skip)]
            pub region: Option<String>,
            $( $(#[$fdoc])* #[serde(rename = $wire, skip_serializing_if = "crate::action::is_unset")] pub $field: $ty, )*
            $($( $(#[$ldoc])* #[serde(skip)] pub $lfield: $lty, )*)?
        }

        impl $request {
            #[doc = concat!("A builder with nothing set; [`build`](", stringify!($builder), "::build) checks the request.")]
            pub fn builder() -> $builder {
                $builder::default()
            }
        }

        #[doc = concat!("Builds a [`", stringify!($request), "`]; [`build`](Self::build) checks it.")]
        #[derive(Debug, Clone, Default)]
        #[must_use]
        pub struct $builder {
            request: $request,
        }

        impl $builder {
            /// Checks the request against the API's rules and returns it.
            pub fn build(self) -> Result<$request, $crate::Error> {
                $crate::Action::validate(&self.request)?;
                Ok(self.request)
            }

            /// `Region`: overrides the client's default region for this call.
            pub fn region(mut self, region: impl Into<String>) -> Self {
                self.request.region = Some(region.into());
                self
            }

            $( $crate::action::action!(@setter $how, $(#[$fdoc])* $field, $param); )*
            $($( $crate::action::action!(@setter $lhow, $(#[$ldoc])* $lfield, $lparam); )*)?
        }

        #[doc = concat!("`client.", stringify!($method), "()`: set the fields, then [`send`](Self::send).")]
        #[derive(Debug, Clone)]
        #[must_use = "a fluent builder does nothing until .send() is awaited"]
        pub struct $fluent {
            client: $crate::Client,
            inner: $builder,
            options: $crate::CallOptions,
        }

        impl $fluent {
            pub(crate) fn new(client: $crate::Client) -> Self {
                Self { client, inner: $builder::default(), options: $crate::CallOptions::default() }
            }

            /// Validates the request, signs it and sends it.
            pub async fn send(self) -> Result<$response, $crate::Error> {
                let request = self.inner.build()?;
                self.client.send_with(request, &self.options).await
            }

            /// The client and the request as set so far.
            #[allow(dead_code)]
            pub(crate) fn into_parts(self) -> ($crate::Client, $builder, $crate::CallOptions) {
                (self.client, self.inner, self.options)
            }

            /// The request as set so far, for inspection or to send later with
            /// [`Client::send`](crate::Client::send).
            pub fn as_input(&self) -> &$builder {
                &self.inner
            }

            /// `Region`: overrides the client's default region for this call.
            pub fn region(mut self, region: impl Into<String>) -> Self {
                self.inner = self.inner.region(region);
                self
            }

            $( $crate::action::action!(@forward $how, $(#[$fdoc])* $field, $param); )*
            $($( $crate::action::action!(@forward $lhow, $(#[$ldoc])* $lfield, $lparam); )*)?
        }

        impl $crate::CallOptionsBuilder for $fluent {
            fn call_options(&mut self) -> &mut $crate::CallOptions {
                &mut self.options
            }
        }

        impl $crate::Client {
            $(#[$doc])*
            pub fn $method(&self) -> $fluent {
                $fluent::new(self.clone())
            }
        }

        impl $crate::Action for $request {
            const NAME: &'static str = $name;
            const IDEMPOTENT: bool = $idempotent;
            type Output = $response;

            fn region(&self) -> Option<&str> {
                self.region.as_deref()
            }

            fn validate(&self) -> Result<(), $crate::Error> {
                $crate::action::not_blank("Region", &self.region)?;
                $( $crate::action::action!(@check $how, $wire, &self.$field); )*
                $( $check(self)?; )?
                Ok(())
            }

            $(
                fn note_existing(
                    &self,
                    client: &$crate::Client,
                ) -> impl std::future::Future<Output = Result<Vec<String>, $crate::Error>> + Send {
                    $note(self, client)
                }
            )?

            $(
                fn settle(
                    &self,
                    client: &$crate::Client,
                    failure: $crate::Failure,
                ) -> impl std::future::Future<Output = Result<$response, $crate::Error>> + Send {
                    $settle(self, client, failure)
                }
            )?
        }

        #[doc = concat!("The answer to ", $name, ".")]
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        #[non_exhaustive]
        pub struct $response {
            #[doc = concat!("`Action`: `", $name, "Response`.")]
            #[serde(rename = "Action", default, deserialize_with = "crate::de::string")]
            pub action: String,
            /// `RetCode`: 0 (any other value is returned as [`Error::Api`](crate::Error::Api) instead).
            #[serde(rename = "RetCode", deserialize_with = "crate::de::int")]
            pub ret_code: i64,
            /// `Message`: empty on success.
            #[serde(rename = "Message", default, deserialize_with = "crate::de::string")]
            pub message: String,
            $($body)*
        }

        impl $crate::ApiResponse for $response {
            fn ret_code(&self) -> i64 {
                self.ret_code
            }
            fn message(&self) -> &str {
                &self.message
            }
        }
    };

    // Setters on the request builder, by kind.
    (@setter set, $(#[$doc:meta])* $field:ident, $param:ty) => {
        $(#[$doc])*
        pub fn $field(mut self, value: impl Into<$param>) -> Self {
            self.request.$field = Some(value.into());
            self
        }
    };
    (@setter required, $(#[$doc:meta])* $field:ident, $param:ty) => {
        $crate::action::action!(@setter set, $(#[$doc])* $field, $param);
    };
    (@setter value, $(#[$doc:meta])* $field:ident, $param:ty) => {
        $(#[$doc])*
        pub fn $field(mut self, value: $param) -> Self {
            self.request.$field = Some(value);
            self
        }
    };
    (@setter flag, $(#[$doc:meta])* $field:ident, $param:ty) => {
        $(#[$doc])*
        pub fn $field(mut self, value: $param) -> Self {
            self.request.$field = value;
            self
        }
    };
    (@setter extend, $(#[$doc:meta])* $field:ident, $param:ty) => {
        $(#[$doc])*
        ///
        /// Adds to the list; call again to add more.
        pub fn $field(mut self, values: impl IntoIterator<Item = impl Into<$param>>) -> Self {
            self.request.$field.extend(values.into_iter().map(Into::into));
            self
        }
    };

    // The same setters on the fluent builder, forwarding to the request builder.
    (@forward extend, $(#[$doc:meta])* $field:ident, $param:ty) => {
        $(#[$doc])*
        ///
        /// Adds to the list; call again to add more.
        pub fn $field(mut self, values: impl IntoIterator<Item = impl Into<$param>>) -> Self {
            self.inner = self.inner.$field(values);
            self
        }
    };
    (@forward $how:ident, $(#[$doc:meta])* $field:ident, $param:ty) => {
        $crate::action::action!(@forward_one $how, $(#[$doc])* $field, $param);
    };
    (@forward_one set, $(#[$doc:meta])* $field:ident, $param:ty) => {
        $(#[$doc])*
        pub fn $field(mut self, value: impl Into<$param>) -> Self {
            self.inner = self.inner.$field(value);
            self
        }
    };
    (@forward_one required, $(#[$doc:meta])* $field:ident, $param:ty) => {
        $crate::action::action!(@forward_one set, $(#[$doc])* $field, $param);
    };
    (@forward_one $how:ident, $(#[$doc:meta])* $field:ident, $param:ty) => {
        $(#[$doc])*
        pub fn $field(mut self, value: $param) -> Self {
            self.inner = self.inner.$field(value);
            self
        }
    };

    // The check each kind implies.
    (@check required, $wire:literal, $value:expr) => {
        $crate::action::required($wire, $value)?
    };
    (@check extend, $wire:literal, $value:expr) => {
        $crate::action::no_blank_entries($wire, $value)?
    };
    (@check $how:ident, $wire:literal, $value:expr) => {};
}
pub(crate) use action;
