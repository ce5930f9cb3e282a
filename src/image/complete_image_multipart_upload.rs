//! CompleteImageMultipartUpload (完成镜像分片上传): ends the upload of a `Local` import.

use crate::action::action;

action! {
    /// CompleteImageMultipartUpload (完成镜像分片上传), newer platforms: tells the platform that
    /// every part of a `Local` ImportImage's upload is in its S3 service. The platform lists
    /// the parts itself and assembles the image, which then goes on to `Used` (or `Failed`).
    ///
    /// Idempotent: it names an upload, not a change to make, so a second call finds the same
    /// parts and cannot make a second image. After a lost answer the second call may hear a
    /// refusal (the upload is already done); DescribeImage tells how the image stands.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// client.complete_image_multipart_upload().image_id("image-1").upload_id("upload-1").send().await?;
    /// # Ok(()) }
    /// ```
    name: "CompleteImageMultipartUpload", method: complete_image_multipart_upload, idempotent: true,
    request: CompleteImageMultipartUploadRequest, builder: CompleteImageMultipartUploadRequestBuilder,
    fluent: CompleteImageMultipartUploadFluentBuilder, response: CompleteImageMultipartUploadResponse,
    fields {
        /// `ImageID`: the image ImportImage made (required).
        "ImageID" image_id: Option<String> => required(String),
        /// `UploadID`: the upload ImportImage returned (required).
        "UploadID" upload_id: Option<String> => required(String),
        /// `CompanyID`: the tenant id.
        "CompanyID" company_id: Option<i64> => value(i64),
    }
    returns {}
}
