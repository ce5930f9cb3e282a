//! The RetCodes the fake answers with: those of the platform generation it plays.

use crate::Platform;
use crate::ret_code::{v1, v2};

/// One code per situation the fake can meet, from the table of one generation.
#[derive(Debug, Clone, Copy)]
pub(super) struct Codes {
    pub missing_action: i64,
    pub unknown_action: i64,
    pub missing_public_key: i64,
    pub missing_signature: i64,
    pub bad_signature: i64,
    pub missing_region: i64,
    pub unknown_region: i64,
    pub missing_param: i64,
    pub bad_param: i64,
    pub unknown_zone: i64,
    pub too_frequent: i64,
    pub image_not_found: i64,
    pub image_state: i64,
    pub image_in_use: i64,
    pub base_image: i64,
    pub vm_not_found: i64,
    pub vm_not_stopped: i64,
    pub vm_being_imaged: i64,
    pub vm_state: i64,
    pub resource_not_found: i64,
}

impl Codes {
    pub(super) fn of(platform: Platform) -> Codes {
        match platform {
            Platform::V1 => Codes {
                missing_action: v1::MISSING_ACTION,
                unknown_action: v1::PARAM_ERROR,
                missing_public_key: v1::MISSING_SIGNATURE,
                missing_signature: v1::MISSING_SIGNATURE,
                bad_signature: v1::SIGNATURE_FAILED,
                missing_region: v1::PARAM_MISSING,
                unknown_region: v1::REGION_NOT_FOUND,
                missing_param: v1::PARAM_MISSING,
                bad_param: v1::PARAM_ERROR,
                unknown_zone: v1::ZONE_NOT_FOUND,
                too_frequent: v1::TOO_FREQUENT,
                image_not_found: v1::IMAGE_NOT_FOUND,
                image_state: v1::IMAGE_UNAVAILABLE,
                image_in_use: v1::IMAGE_IN_USE,
                base_image: v1::PARAM_ERROR,
                vm_not_found: v1::VM_NOT_FOUND,
                vm_not_stopped: v1::VM_NOT_STOPPED,
                // 1.x has no code of its own for it; "operation failed, retry later" is its busy.
                vm_being_imaged: v1::OPERATION_FAILED,
                // 1.x names no code for these; "parameter error" is what it has.
                vm_state: v1::PARAM_ERROR,
                resource_not_found: v1::PARAM_ERROR,
            },
            Platform::V2 => Codes {
                missing_action: v2::MISSING_ACTION,
                unknown_action: v2::ACTION_NOT_FOUND,
                missing_public_key: v2::MISSING_PUBLIC_KEY,
                missing_signature: v2::MISSING_SIGNATURE,
                bad_signature: v2::SIGNATURE_INVALID,
                missing_region: v2::MISSING_REGION,
                unknown_region: v2::PARAM_CHECK_FAILED,
                missing_param: v2::PARAM_EMPTY,
                bad_param: v2::PARAM_FORMAT,
                unknown_zone: v2::PARAM_CHECK_FAILED,
                too_frequent: v2::TOO_FREQUENT,
                image_not_found: v2::IMAGE_NOT_FOUND,
                image_state: v2::IMAGE_STATE,
                image_in_use: v2::IMAGE_IN_USE,
                base_image: v2::WRONG_RESOURCE_TYPE,
                vm_not_found: v2::VM_NOT_FOUND,
                vm_not_stopped: v2::VM_NOT_STOPPED,
                vm_being_imaged: v2::VM_BEING_IMAGED,
                vm_state: v2::VM_STATE,
                resource_not_found: v2::RESOURCE_NOT_FOUND,
            },
        }
    }
}
