//! Values for users' own tests: an image, a VM, a page of either, as the platform sends them.
//! The types are `#[non_exhaustive]`, so struct literals cannot build them outside this crate;
//! these can, and every field stays public to change afterwards.

use crate::image::{DescribeImageResponse, ImageInfo, ImageStatus};
use crate::vm::{DescribeVmInstanceResponse, VmInstanceInfo, VmState};

/// A custom image, `Used`, with every field a real one has (region `cn`).
///
/// ```
/// use ucloudstack::image::ImageStatus;
/// use ucloudstack::testing;
///
/// let mut image = testing::image("cn-image-1", "golden");
/// image.image_status = Some(ImageStatus::Making);
/// assert_eq!((image.id(), image.name(), image.status()), ("cn-image-1", "golden", "Making"));
/// ```
pub fn image(id: &str, name: &str) -> ImageInfo {
    let mut image = super::fake::custom_image("cn", id, name, None, None);
    image.image_status = Some(ImageStatus::Used);
    image
}

/// A VM in this state, with every field a real one has (region `cn`).
pub fn vm(id: &str, state: VmState) -> VmInstanceInfo {
    let mut vm = super::fake::fake_vm(id).info("cn");
    vm.state = Some(state);
    vm
}

/// A DescribeImage answer holding these images, `TotalCount` their number.
///
/// ```
/// use ucloudstack::testing::{self, MockTransport};
///
/// let mock = MockTransport::new();
/// let page = testing::image_page(vec![testing::image("cn-image-1", "golden")]);
/// mock.push_json(200, &serde_json::to_string(&page).unwrap());
/// ```
pub fn image_page(images: Vec<ImageInfo>) -> DescribeImageResponse {
    DescribeImageResponse {
        action: "DescribeImageResponse".into(),
        total_count: images.len() as i64,
        infos: images,
        ..Default::default()
    }
}

/// A DescribeVMInstance answer holding these VMs, `TotalCount` their number.
pub fn vm_page(vms: Vec<VmInstanceInfo>) -> DescribeVmInstanceResponse {
    DescribeVmInstanceResponse {
        action: "DescribeVMInstanceResponse".into(),
        total_count: vms.len() as i64,
        infos: vms,
        ..Default::default()
    }
}
