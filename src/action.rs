//! The [`Action`] trait, the one generic [`FluentBuilder`], and `action!`, which declares an
//! action in one block. Users can implement [`Action`] by hand for an action we do not wrap yet
//! and send it with [`Client::send`](crate::Client::send).
//!
//! Adding a UCloudStack action to the crate:
//! 1. One file in the service's folder, named after the action in snake case
//!    (`src/image/delete_base_image.rs`), holding one `action! { ... }`; copy the nearest of
//!    `src/image/delete_custom_image.rs` (the smallest), `src/image/describe_image.rs` (a
//!    listing) or `src/region/describe_region.rs` (no `Region`). Write, in this order:
//!    - the doc of `client.<method>()`: the wire name and its Chinese title, what it does, why
//!      it is or is not idempotent, and a `no_run` example;
//!    - the header: `name` (the wire name), `method` (its snake case, `VM` as `vm`),
//!      `idempotent` (`true` only if sending it twice does what sending it once does: it decides
//!      whether a request that may have reached the server is sent again), and the four type
//!      names `request: FooRequest`, `builder: FooRequestBuilder`, `fluent: FooFluentBuilder`,
//!      `response: FooResponse`;
//!    - only where they apply: `regional: false` (no `Region`), `check:` (a function for the
//!      rules the field kinds do not imply), `settle:` (an async function that settles an
//!      unknown outcome by looking; see [`Action::settle`]) with `note_existing:` when it must
//!      know what was there before the request was sent, `paged: { ... }` (an `Offset`/`Limit`
//!      listing: adds `TotalCount`, `Infos`, the `Limit` check and `into_paginator()`);
//!    - `fields`, one line per wire field in the API document's order, each with a doc line
//!      starting with the wire name, and the kind that sets its setter and checks (see
//!      `action!`); `local` for settings that are not sent; `returns`, the response's fields
//!      beyond `Action`, `RetCode` and `Message`.
//! 2. Two lines in the service's `mod.rs`: `mod foo;` and `pub use foo::*;`. A new model
//!    (`FooInfo`) goes in the service's `model.rs`, every field `Option` and read leniently.
//! 3. The fake: a handler in `src/testing/fake/<service>.rs` and its row in that file's
//!    `ACTIONS`.
//! 4. Tests in `tests/api/`: the wire form of a full request, a round trip through the fake,
//!    one test per rule `build()` enforces.
//! 5. A line under `## [Unreleased]` in CHANGELOG.md.

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

/// A request builder that a [`FluentBuilder`] wraps, such as
/// [`DescribeImageRequestBuilder`](crate::image::DescribeImageRequestBuilder). Sealed: every
/// action of the crate implements it.
pub trait RequestBuilder: Default + sealed::Sealed {
    /// The request it builds.
    type Request: Action;

    /// Checks the request against the API's rules and returns it.
    fn build(self) -> Result<Self::Request, crate::Error>;
}

/// A [`RequestBuilder`] whose request takes a `Region` (every action but DescribeRegion): its
/// [`FluentBuilder`] has [`region`](FluentBuilder::region). Sealed.
pub trait RegionalRequestBuilder: RequestBuilder {
    /// Sets the request's own `Region`.
    #[doc(hidden)]
    fn set_region(&mut self, region: String);
}

pub(crate) mod sealed {
    /// Keeps [`RequestBuilder`](super::RequestBuilder) to the crate's own builders.
    pub trait Sealed {}
}

/// What `client.<action>()` returns: the action's request builder, the client and the call's
/// own policies. Set the fields (each action's setters), the call's policies
/// ([`CallOptionsBuilder`](crate::CallOptionsBuilder)), then [`send`](Self::send). As
/// google-cloud-rust's `RequestBuilder`, it is one type: each action's `FooFluentBuilder` is
/// `FluentBuilder<FooRequestBuilder>`.
#[derive(Debug, Clone)]
#[must_use = "a fluent builder does nothing until .send() is awaited"]
pub struct FluentBuilder<B> {
    pub(crate) client: crate::Client,
    pub(crate) inner: B,
    pub(crate) options: crate::CallOptions,
}

impl<B: RequestBuilder> FluentBuilder<B> {
    pub(crate) fn new(client: crate::Client) -> Self {
        FluentBuilder { client, inner: B::default(), options: crate::CallOptions::default() }
    }

    /// Validates the request, signs it and sends it.
    pub async fn send(self) -> Result<<B::Request as Action>::Output, crate::Error> {
        let request = self.inner.build()?;
        self.client.send_with(request, &self.options).await
    }

    /// The request as set so far, for inspection or to build and send later with
    /// [`Client::send`](crate::Client::send).
    pub fn as_input(&self) -> &B {
        &self.inner
    }

    /// The client, the request as set so far and the call's policies.
    pub(crate) fn into_parts(self) -> (crate::Client, B, crate::CallOptions) {
        (self.client, self.inner, self.options)
    }
}

impl<B: RegionalRequestBuilder> FluentBuilder<B> {
    /// `Region`: overrides the client's default region for this call.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.inner.set_region(region.into());
        self
    }
}

impl<B: RequestBuilder> FluentBuilder<B>
where
    B::Request: crate::paginate::PagedAction,
{
    /// Pages through everything the request matches; see
    /// [`Paginator`](crate::paginate::Paginator).
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// use futures::TryStreamExt;
    /// use ucloudstack::image::ImageType;
    ///
    /// let mut images = client.describe_image().image_type(ImageType::Custom).into_paginator().items();
    /// while let Some(image) = images.try_next().await? {
    ///     println!("{:?}", image.image_id);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn into_paginator(self) -> crate::paginate::Paginator<B::Request> {
        crate::paginate::Paginator::new(self.client, self.inner.build(), self.options)
    }
}

impl<B> crate::CallOptionsBuilder for FluentBuilder<B> {
    fn call_options(&mut self) -> &mut crate::CallOptions {
        &mut self.options
    }
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
pub(crate) fn not_blank(field: &str, value: Option<&str>) -> Result<(), crate::Error> {
    match value {
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
/// its builder, `client.<method>()` with its [`FluentBuilder`] setters, the `Action` impl with
/// the checks each field's kind implies, and the response struct; for a listing, its paging.
///
/// ```text
/// action! {
///     /// The doc of `client.<method>()`.
///     name: "WireName", method: snake_name, idempotent: true,
///     request: FooRequest, builder: FooRequestBuilder, fluent: FooFluentBuilder, response: FooResponse,
///     regional: false,                       // optional: the action takes no `Region`
///     check: path::to::check,                // optional: fn(&FooRequest) -> Result<(), Error>
///     note_existing: path::to::note,         // optional: see `Action::note_existing`
///     settle: path::to::settle,              // optional: see `Action::settle`
///     paged: {                               // optional: an `Offset`/`Limit` listing
///         item: FooInfo, fingerprint: hash_fingerprint,   // or json_fingerprint (floats)
///         paginator: FooPaginator, pages: FooPages, items: FooItems,
///     },
///     fields { /// doc
///              "Wire" field: Type => how(Param), ... }
///     local { /// doc
///             field: Type => how(Param), ... }   // optional: not sent
///     returns { /* response fields beyond Action, RetCode, Message (and TotalCount, Infos) */ }
/// }
/// ```
///
/// A field's `how` is `set` (`Option<T>` from `impl Into<Param>`), `required` (the same, and the
/// field must be set and not blank), `value` (`Option<T>` from a `Param`), `extend` (`Vec<T>`
/// from any iterator of `impl Into<Param>`, no blank entry), `list` (the same setter, for a field
/// type of its own that encodes the list, checked by the action's `check`) or, for `local`
/// fields, `flag` (a `bool`). A regional action gets a `region` field and setter, checked not blank. `paged` adds
/// `offset` and `limit` checks (`Limit` 1 to 100; the fields must be declared), the response's
/// `total_count` and `infos`, the `PagedAction` impl and the three paging type aliases.
macro_rules! action {
    (
        $(#[$doc:meta])*
        name: $name:literal,
        method: $method:ident,
        idempotent: $idempotent:literal,
        request: $request:ident,
        builder: $builder:ident,
        fluent: $fluent:ident,
        response: $response:ident,
        $(regional: $regional:tt,)?
        $(check: $check:path,)?
        $(note_existing: $note:path,)?
        $(settle: $settle:path,)?
        $(paged: {
            item: $item:ty,
            fingerprint: $fingerprint:ident,
            paginator: $paginator:ident,
            pages: $pages:ident,
            items: $items:ident $(,)?
        },)?
        fields {
            $( $(#[$fdoc:meta])* $wire:literal $field:ident: $ty:ty => $how:ident($param:ty), )*
        }
        $(local {
            $( $(#[$ldoc:meta])* $lfield:ident: $lty:ty => $lhow:ident($lparam:ty), )*
        })?
        returns {
            $($body:tt)*
        }
    ) => {
        $crate::action::action!(@request [$($regional)?]
            #[doc = concat!("A ", $name, " request. Build it with [`", stringify!($request), "::builder`], or send it fluently with [`Client::", stringify!($method), "`](crate::Client::", stringify!($method), ").")]
            $request {
                $( $(#[$fdoc])* #[serde(rename = $wire, skip_serializing_if = "crate::action::is_unset")] pub $field: $ty, )*
                $($( $(#[$ldoc])* #[serde(skip)] pub $lfield: $lty, )*)?
            }
        );

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

            $( $crate::action::action!(@setter $how, $(#[$fdoc])* $field, $param); )*
            $($( $crate::action::action!(@setter $lhow, $(#[$ldoc])* $lfield, $lparam); )*)?
        }

        impl $crate::action::sealed::Sealed for $builder {}

        impl $crate::RequestBuilder for $builder {
            type Request = $request;

            fn build(self) -> Result<$request, $crate::Error> {
                $builder::build(self)
            }
        }

        $crate::action::action!(@region_setter [$($regional)?] $builder);

        #[doc = concat!("`client.", stringify!($method), "()`: set the fields of [`", stringify!($request), "`], then [`send`](crate::FluentBuilder::send).")]
        pub type $fluent = $crate::FluentBuilder<$builder>;

        impl $crate::FluentBuilder<$builder> {
            $( $crate::action::action!(@forward $how, $(#[$fdoc])* $field, $param); )*
            $($( $crate::action::action!(@forward $lhow, $(#[$ldoc])* $lfield, $lparam); )*)?
        }

        impl $crate::Client {
            $(#[$doc])*
            pub fn $method(&self) -> $fluent {
                $crate::FluentBuilder::new(self.clone())
            }
        }

        impl $crate::Action for $request {
            const NAME: &'static str = $name;
            const IDEMPOTENT: bool = $idempotent;
            type Output = $response;

            $crate::action::action!(@region_of [$($regional)?]);

            fn validate(&self) -> Result<(), $crate::Error> {
                $crate::action::not_blank("Region", $crate::Action::region(self))?;
                $( $crate::action::action!(@check $how, $wire, &self.$field); )*
                $( $check(self)?; )?
                $( $crate::action::action!(@check_page $item, self); )?
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
            $(
                /// `TotalCount`: how many match, across all pages.
                #[serde(rename = "TotalCount", deserialize_with = "crate::de::int")]
                pub total_count: i64,
                #[doc = concat!("`Infos`: the [`", stringify!($item), "`]s of this page (`null` or missing is an empty page).")]
                #[serde(rename = "Infos", default, deserialize_with = "crate::de::list")]
                pub infos: Vec<$item>,
            )?
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

        $(
            $crate::paginate::paged_action!($request => $response, $item, $crate::paginate::$fingerprint);

            #[doc = concat!("Pages through ", $name, "; see [`Paginator`](crate::paginate::Paginator).")]
            pub type $paginator = $crate::paginate::Paginator<$request>;
            #[doc = concat!("The pages of a [`", stringify!($paginator), "`].")]
            pub type $pages = $crate::paginate::Paged<$response>;
            #[doc = concat!("The [`", stringify!($item), "`]s of a [`", stringify!($paginator), "`], across pages.")]
            pub type $items = $crate::paginate::Paged<$item>;
        )?
    };

    // The request struct; a regional one has `region` first.
    (@request [] $(#[$m:meta])* $request:ident { $($fields:tt)* }) => {
        $crate::action::action!(@struct $(#[$m])* $request {
            /// `Region`: the region; the client's default when `None`.
            #[serde(skip)]
            pub region: Option<String>,
            $($fields)*
        });
    };
    (@request [false] $(#[$m:meta])* $request:ident { $($fields:tt)* }) => {
        $crate::action::action!(@struct $(#[$m])* $request { $($fields)* });
    };
    (@struct $(#[$m:meta])* $request:ident { $($fields:tt)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
        #[non_exhaustive]
        pub struct $request {
            $($fields)*
        }
    };

    // `region` on a regional action's builder (and so on its fluent builder).
    (@region_setter [] $builder:ident) => {
        impl $builder {
            /// `Region`: overrides the client's default region for this call.
            pub fn region(mut self, region: impl Into<String>) -> Self {
                self.request.region = Some(region.into());
                self
            }
        }

        impl $crate::RegionalRequestBuilder for $builder {
            fn set_region(&mut self, region: String) {
                self.request.region = Some(region);
            }
        }
    };
    (@region_setter [false] $builder:ident) => {};

    // `Action::region` of a regional action; `REGIONAL` of one that is not.
    (@region_of []) => {
        fn region(&self) -> Option<&str> {
            self.region.as_deref()
        }
    };
    (@region_of [false]) => {
        const REGIONAL: bool = false;
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

    (@setter list, $(#[$doc:meta])* $field:ident, $param:ty) => {
        $crate::action::action!(@setter extend, $(#[$doc])* $field, $param);
    };

    // The same setters on the fluent builder, forwarding to the request builder.
    (@forward list, $(#[$doc:meta])* $field:ident, $param:ty) => {
        $crate::action::action!(@forward extend, $(#[$doc])* $field, $param);
    };
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
    (@check_page $item:ty, $request:expr) => {
        $crate::paginate::check_limit($request.limit)?
    };
}
pub(crate) use action;
