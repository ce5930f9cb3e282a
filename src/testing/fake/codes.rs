//! The RetCodes the fake answers with: each refusal's code in the generation it plays.

use super::form::Why;
use crate::Platform;
use crate::ret_code::{v1, v2};

impl Why {
    /// The RetCode `platform` answers this refusal with.
    pub(super) fn code(self, platform: Platform) -> i64 {
        let (on_v1, on_v2) = match self {
            Why::MissingAction => (v1::MISSING_ACTION, v2::MISSING_ACTION),
            Why::UnknownAction => (v1::PARAM_ERROR, v2::ACTION_NOT_FOUND),
            Why::MissingPublicKey => (v1::MISSING_SIGNATURE, v2::MISSING_PUBLIC_KEY),
            Why::MissingSignature => (v1::MISSING_SIGNATURE, v2::MISSING_SIGNATURE),
            Why::BadSignature => (v1::SIGNATURE_FAILED, v2::SIGNATURE_INVALID),
            Why::MissingRegion => (v1::PARAM_MISSING, v2::MISSING_REGION),
            Why::UnknownRegion => (v1::REGION_NOT_FOUND, v2::PARAM_CHECK_FAILED),
            Why::MissingParam => (v1::PARAM_MISSING, v2::PARAM_EMPTY),
            Why::BadParam => (v1::PARAM_ERROR, v2::PARAM_FORMAT),
            Why::UnknownZone => (v1::ZONE_NOT_FOUND, v2::PARAM_CHECK_FAILED),
            Why::TooFrequent => (v1::TOO_FREQUENT, v2::TOO_FREQUENT),
            Why::ImageNotFound => (v1::IMAGE_NOT_FOUND, v2::IMAGE_NOT_FOUND),
            Why::ImageState => (v1::IMAGE_UNAVAILABLE, v2::IMAGE_STATE),
            Why::ImageInUse => (v1::IMAGE_IN_USE, v2::IMAGE_IN_USE),
            Why::WrongImageType => (v1::PARAM_ERROR, v2::WRONG_RESOURCE_TYPE),
            Why::ImageFormat => (v1::PARAM_ERROR, v2::IMAGE_FORMAT),
            Why::ImageTooLarge => (v1::PARAM_ERROR, v2::IMAGE_TOO_LARGE),
            // Nobody documents these; "the parameter failed the checks" is the nearest.
            Why::UploadMismatch | Why::Encrypted => (v1::PARAM_ERROR, v2::PARAM_CHECK_FAILED),
            // Nobody documents it either; the upload is not in a state to be completed yet.
            Why::PartsRefused => (v1::PARAM_ERROR, v2::RESOURCE_STATE),
            Why::VmNotFound => (v1::VM_NOT_FOUND, v2::VM_NOT_FOUND),
            Why::VmNotStopped => (v1::VM_NOT_STOPPED, v2::VM_NOT_STOPPED),
            // 1.x has no code of its own for it; "operation failed, retry later" is its busy.
            Why::VmBeingImaged => (v1::OPERATION_FAILED, v2::VM_BEING_IMAGED),
            // 1.x names no code for these; "parameter error" is what it has.
            Why::VmState => (v1::PARAM_ERROR, v2::VM_STATE),
            Why::ResourceNotFound => (v1::PARAM_ERROR, v2::RESOURCE_NOT_FOUND),
        };
        match platform {
            Platform::V1 => on_v1,
            Platform::V2 => on_v2,
        }
    }
}
