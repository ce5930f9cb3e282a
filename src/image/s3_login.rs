//! S3Login (S3登录): credentials for the platform's own S3 service.

use crate::action::{action, not_blank};
use crate::open_enum::string_enum;
use crate::{Error, SecretString};
use serde::{Deserialize, Serialize};

string_enum! {
    /// What S3Login's credentials are for (`Scenes`).
    pub enum S3Scene {
        /// `ImageUpload`: uploading a `Local` ImportImage's file (bucket `mirror`).
        ImageUpload = "ImageUpload",
        /// `OSS`: an object-storage instance, named by `ID` (`oss-...`).
        Oss = "OSS",
    }
}

action! {
    /// S3Login (S3登录), newer platforms: temporary credentials for the platform's own S3
    /// service, to upload a `Local` ImportImage's file or to reach an object-storage instance.
    /// `SecretKey` and `SessionID` are [`SecretString`]s: `Debug` never shows them.
    ///
    /// Idempotent: each call mints credentials and changes nothing else, so sending it again
    /// is safe.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// use ucloudstack::image::S3Scene;
    ///
    /// let s3 = client.s3_login().scenes(S3Scene::ImageUpload).send().await?;
    /// println!("{} bucket {} as {}", s3.endpoint, s3.bucket, s3.access_key);
    /// # Ok(()) }
    /// ```
    name: "S3Login", method: s3_login, idempotent: true,
    request: S3LoginRequest, builder: S3LoginRequestBuilder,
    fluent: S3LoginFluentBuilder, response: S3LoginResponse,
    check: check,
    fields {
        /// `Scenes`: what the credentials are for (required).
        "Scenes" scenes: Option<S3Scene> => set(S3Scene),
        /// `Bucket`: the bucket, for `OSS`.
        "Bucket" bucket: Option<String> => set(String),
        /// `ID`: the object-storage instance, `oss-...` (required for `OSS`).
        "ID" id: Option<String> => set(String),
        /// `CompanyID`: the tenant id.
        "CompanyID" company_id: Option<i64> => value(i64),
    }
    returns {
        /// `AccessKey`: the S3 access key.
        #[serde(rename = "AccessKey", default, deserialize_with = "crate::de::string")]
        pub access_key: String,
        /// `SecretKey`: the S3 secret key.
        #[serde(rename = "SecretKey", default)]
        pub secret_key: SecretString,
        /// `Endpoint`: the S3 service's address.
        #[serde(rename = "Endpoint", default, deserialize_with = "crate::de::string")]
        pub endpoint: String,
        /// `Bucket`: the bucket, `mirror` for `ImageUpload`.
        #[serde(rename = "Bucket", default, deserialize_with = "crate::de::string")]
        pub bucket: String,
        /// `SessionID`: the session token of the temporary credentials (`None` when missing or
        /// empty).
        #[serde(
            rename = "SessionID",
            default,
            deserialize_with = "crate::secret::opt_secret",
            skip_serializing_if = "Option::is_none"
        )]
        pub session_id: Option<SecretString>,
    }
}

fn check(request: &S3LoginRequest) -> Result<(), Error> {
    crate::image::rules::required_enum("Scenes", &request.scenes)?;
    not_blank("Bucket", request.bucket.as_deref())?;
    not_blank("ID", request.id.as_deref())?;
    if request.scenes == Some(S3Scene::Oss) && request.id.is_none() {
        return Err(Error::invalid("ID", "is required when Scenes is OSS"));
    }
    Ok(())
}
