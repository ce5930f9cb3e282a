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

    /// The request's own `Region`, which wins over the client's default.
    fn region(&self) -> Option<&str> {
        None
    }

    /// Checks the request against the API's rules; called before anything is sent.
    fn validate(&self) -> Result<(), crate::Error> {
        Ok(())
    }

    /// Called when a call has failed, before the error reaches the caller: a chance to find
    /// out whether a request whose answer was lost (a timeout, a cut connection, an unreadable
    /// answer) did its work after all. DeleteCustomImage uses it ("not found" after a lost
    /// answer means the image was deleted), CreateCustomImage with `recover_by_name` too. The
    /// default keeps the error.
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
    /// Whether an attempt before the last may have been carried out although its answer was
    /// lost.
    pub earlier_answer_lost: bool,
    /// When the call began, by the system clock.
    pub started: std::time::SystemTime,
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
pub(crate) fn required<'a>(field: &str, value: &'a Option<String>) -> Result<&'a str, crate::Error> {
    match value.as_deref() {
        None => Err(crate::Error::invalid(field, "is required")),
        Some(v) if v.trim().is_empty() => Err(crate::Error::invalid(field, "must not be empty or blank")),
        Some(v) => Ok(v),
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
pub(crate) fn no_blank_entries(field: &str, values: &[String]) -> Result<(), crate::Error> {
    match values.iter().position(|v| v.trim().is_empty()) {
        Some(i) => Err(crate::Error::invalid(format!("{field}.{i}"), "must not be empty or blank")),
        None => Ok(()),
    }
}

/// Defines, for one action, the fluent builder (`client.<action>()...send()`) and the setters
/// shared by it and the request builder, so a field is described once.
macro_rules! action_builders {
    (
        $(#[$fluent_doc:meta])*
        $fluent:ident => $builder:ident => $request:ident {
            $( $(#[$doc:meta])* fn $name:ident(&mut $b:ident, $v:ident: $ty:ty) $body:block )*
        }
    ) => {
        $(#[$fluent_doc])*
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
            pub async fn send(self) -> Result<<$request as $crate::Action>::Output, $crate::Error> {
                let request = self.inner.build()?;
                self.client.send_with(request, &self.options).await
            }

            /// This call's own retry policy, instead of the client's.
            pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
                self.options = self.options.retry_policy(policy);
                self
            }

            /// The time allowed for each attempt of this call, instead of the client's.
            pub fn attempt_timeout(mut self, timeout: std::time::Duration) -> Self {
                self.options = self.options.attempt_timeout(timeout);
                self
            }

            /// The time allowed for this call in all, retries and backoff included.
            pub fn total_timeout(mut self, timeout: std::time::Duration) -> Self {
                self.options = self.options.total_timeout(timeout);
                self
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

            $( $(#[$doc])* pub fn $name(mut self, $v: $ty) -> Self {
                self.inner = self.inner.$name($v);
                self
            } )*
        }

        impl $builder {
            $( $(#[$doc])* pub fn $name(mut self, $v: $ty) -> Self {
                {
                    let $b = &mut self;
                    $body
                }
                self
            } )*
        }
    };
}
pub(crate) use action_builders;
