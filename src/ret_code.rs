//! UCloudStack's RetCodes, per platform generation, and what each kind of answer means.
//!
//! The two generations give the same numbers different meanings (100, 110, 160, 161 and
//! 1001-1008 all differ), and neither follows the public UCloud cloud's "RetCode >= 2000 is
//! transient". A client classifies codes by the table of the [`Platform`] it was built for; see
//! [`Error::api_kind`](crate::Error::api_kind).

/// Success, on every generation.
pub const OK: i64 = 0;

/// The generation of the UCloudStack platform a client talks to. It selects the RetCode table
/// errors are classified by; nothing on the wire changes (`Zone` is its own setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Platform {
    /// UCloudStack 1.x.
    V1,
    /// UCloudStack 2.x, the generation the API document describes (the default).
    #[default]
    V2,
}

/// What a RetCode means for the caller, from the table of the client's [`Platform`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// Refused as too frequent before anything was done: safe to retry for any action, later.
    Throttled,
    /// The platform is busy or short of resources for now: retry later.
    Busy,
    /// The resource does not exist, or is already deleted.
    NotFound,
    /// The resource's state forbids this now (e.g. a VM that is not stopped); it may change.
    InvalidState,
    /// Another resource uses this one (e.g. a VM made from the image).
    InUse,
    /// The key pair, the signature or the account is not accepted.
    Auth,
    /// The account may not do this.
    Permission,
    /// The request is wrong: a parameter is missing, malformed or refused.
    InvalidParameter,
    /// The action does not exist on this platform: it is older than the action (the newer
    /// image actions, such as ImportImage), or the name is wrong. Never retried.
    UnknownAction,
    /// A quota or the balance does not allow it.
    Quota,
    /// The platform failed; contact its operator.
    Server,
}

impl ApiErrorKind {
    /// Whether an answer of this kind may change if the same call is made again later.
    pub fn is_transient(self) -> bool {
        matches!(self, ApiErrorKind::Throttled | ApiErrorKind::Busy)
    }
}

/// One row of a RetCode table.
struct Row(i64, ApiErrorKind, &'static str);

macro_rules! table {
    ($(#[$meta:meta])* $name:ident { $( $(#[$doc:meta])* $const:ident = $code:literal, $kind:ident, $meaning:literal; )* }) => {
        $(#[$meta])*
        pub mod $name {
            $( $(#[$doc])* pub const $const: i64 = $code; )*

            pub(super) const TABLE: &[super::Row] = &[ $( super::Row($code, super::ApiErrorKind::$kind, $meaning), )* ];
        }
    };
}

table! {
    /// The RetCodes of UCloudStack 2.x (the default [`Platform`]).
    v2 {
        /// Platform service error; contact the operator.
        SERVICE_ERROR = 2, Server, "platform service error: contact the operator";
        /// A required parameter is empty.
        PARAM_EMPTY = 3, InvalidParameter, "a required parameter is empty";
        /// A parameter has the wrong format.
        PARAM_FORMAT = 4, InvalidParameter, "a parameter has the wrong format";
        /// The request lacks a Referer header.
        MISSING_REFERER = 100, InvalidParameter, "the request lacks a Referer header";
        /// The request lacks `Action`.
        MISSING_ACTION = 101, InvalidParameter, "the request lacks Action";
        /// The request lacks the region.
        MISSING_REGION = 102, InvalidParameter, "the request lacks Region";
        /// The request lacks the user's authentication parameters (`PublicKey`).
        MISSING_PUBLIC_KEY = 103, Auth, "the request lacks PublicKey";
        /// The request lacks `Signature`.
        MISSING_SIGNATURE = 104, Auth, "the request lacks Signature";
        /// Authentication failed: no SSO token.
        NO_SSO_TOKEN = 105, Auth, "authentication failed: no SSO token";
        /// The request lacks the user id.
        MISSING_USER_ID = 106, InvalidParameter, "the request lacks the user id";
        /// The request lacks the tenant id.
        MISSING_TENANT_ID = 107, InvalidParameter, "the request lacks the tenant id";
        /// The request lacks the application name.
        MISSING_APP_NAME = 108, InvalidParameter, "the request lacks the application name";
        /// The signature is not valid (wrong private key, or the pairs were altered).
        SIGNATURE_INVALID = 109, Auth, "the signature is not valid: check the key pair";
        /// The API (action) does not exist: the platform is older than the action (e.g.
        /// ImportImage on a release before image import), or the name is wrong.
        ACTION_NOT_FOUND = 110, UnknownAction, "unknown action: the platform is older than this action, or does not have it";
        /// Only an administrator may call this.
        ADMIN_ONLY = 111, Permission, "only an administrator may call this";
        /// The caller's IP is not in the tenant's allow-list.
        IP_NOT_ALLOWED = 112, Permission, "the caller's IP is not in the tenant's allow-list";
        /// Parameter check failed.
        PARAM_CHECK_FAILED = 113, InvalidParameter, "a parameter failed the platform's checks";
        /// The user may not call this API.
        API_NOT_ALLOWED = 114, Permission, "the user may not call this action";
        /// Too many requests; nothing was done: retry later.
        TOO_FREQUENT = 199, Throttled, "too many requests: nothing was done, retry later";
        /// Resource not found.
        RESOURCE_NOT_FOUND = 200, NotFound, "the resource does not exist";
        /// The resource state is not right for this.
        RESOURCE_STATE = 201, InvalidState, "the resource's state does not allow this now";
        /// The resource's business state is not right for this.
        RESOURCE_BUSINESS_STATE = 202, InvalidState, "the resource's business state does not allow this now";
        /// The resource is already enabled.
        ALREADY_ENABLED = 203, InvalidState, "the resource is already enabled";
        /// The resource is already deleted.
        ALREADY_DELETED = 204, NotFound, "the resource is already deleted";
        /// The resource is already destroyed.
        ALREADY_DESTROYED = 205, NotFound, "the resource is already destroyed";
        /// The resource has expired.
        RESOURCE_EXPIRED = 206, InvalidState, "the resource has expired";
        /// Wrong resource type.
        WRONG_RESOURCE_TYPE = 207, InvalidParameter, "wrong resource type for this action";
        /// The binding limit is reached.
        BINDING_LIMIT = 208, Quota, "the binding limit is reached";
        /// The operator forbids deleting this resource.
        DELETE_FORBIDDEN = 209, Permission, "the operator forbids deleting this resource";
        /// System error.
        SYSTEM_ERROR = 550, Server, "platform system error";
        /// System error.
        SYSTEM_ERROR_2 = 559, Server, "platform system error";
        /// System busy: retry later.
        SYSTEM_BUSY = 560, Busy, "the platform is busy: retry later";
        /// Image not found.
        IMAGE_NOT_FOUND = 1000, NotFound, "the image does not exist";
        /// The image's state is not right for this (e.g. deleting an image still `Making`).
        IMAGE_STATE = 1001, InvalidState, "the image's state does not allow this now";
        /// The image's state is not right for this.
        IMAGE_STATE_2 = 1002, InvalidState, "the image's state does not allow this now";
        /// The image format is wrong.
        IMAGE_FORMAT = 1003, InvalidParameter, "the image format is wrong";
        /// VM not found.
        VM_NOT_FOUND = 1004, NotFound, "the VM does not exist";
        /// The VM's state is not right for this.
        VM_STATE = 1005, InvalidState, "the VM's state does not allow this now";
        /// The VM's state is not right for this.
        VM_STATE_2 = 1006, InvalidState, "the VM's state does not allow this now";
        /// A resource (a VM) is using this image.
        IMAGE_IN_USE = 1008, InUse, "a VM uses this image: delete or reinstall it first";
        /// The VM is not stopped: stop it, then retry.
        VM_NOT_STOPPED = 1014, InvalidState, "the VM is not stopped: stop it first";
        /// The VM is being imaged: retry later.
        VM_BEING_IMAGED = 1016, Busy, "the VM is being imaged: retry later";
        /// The uploaded image exceeds the size limit.
        IMAGE_TOO_LARGE = 1017, InvalidParameter, "the uploaded image exceeds the size limit";
        /// Not enough physical resources: retry later.
        NO_PHYSICAL_RESOURCES = 1019, Busy, "not enough physical resources: retry later";
        /// Physically locked: retry later.
        PHYSICALLY_LOCKED = 15002, Busy, "physically locked: retry later";
        /// Not enough CPU: retry later.
        NO_CPU = 15003, Busy, "not enough CPU: retry later";
        /// Not enough memory: retry later.
        NO_MEMORY = 15004, Busy, "not enough memory: retry later";
        /// Not enough GPU: retry later.
        NO_GPU = 15005, Busy, "not enough GPU: retry later";
        /// The tenant's quota is insufficient.
        QUOTA_INSUFFICIENT = 17005, Quota, "the tenant's quota is insufficient";
        /// The account does not exist.
        ACCOUNT_NOT_FOUND = 20004, Auth, "the account does not exist: check the key pair";
        /// The tenant's balance is insufficient.
        BALANCE_INSUFFICIENT = 23001, Quota, "the tenant's balance is insufficient";
        /// The tenant does not exist.
        TENANT_NOT_FOUND = 27001, Auth, "the tenant does not exist";
    }
}

table! {
    /// The RetCodes of UCloudStack 1.x ([`Platform::V1`]).
    v1 {
        /// Operation failed: retry later.
        OPERATION_FAILED = 100, Busy, "the operation failed: retry later";
        /// API timed out: retry later.
        API_TIMEOUT = 110, Busy, "the platform timed out: retry later";
        /// Service error: retry later.
        SERVICE_ERROR = 130, Busy, "platform service error: retry later";
        /// Parameter error.
        PARAM_ERROR = 140, InvalidParameter, "a parameter is wrong";
        /// No permission for the operation.
        NO_PERMISSION = 150, Permission, "no permission for this operation";
        /// Platform cache error.
        CACHE_ERROR = 151, Server, "platform cache error";
        /// Platform API call error.
        API_CALL_ERROR = 152, Server, "platform API call error";
        /// Platform gateway error.
        GATEWAY_ERROR = 153, Server, "platform gateway error";
        /// The request lacks `Action`.
        MISSING_ACTION = 154, InvalidParameter, "the request lacks Action";
        /// Balance insufficient.
        BALANCE_INSUFFICIENT = 160, Quota, "the balance is insufficient";
        /// Quota insufficient.
        QUOTA_INSUFFICIENT = 161, Quota, "the quota is insufficient";
        /// The region does not exist.
        REGION_NOT_FOUND = 162, InvalidParameter, "the region does not exist";
        /// The zone does not exist.
        ZONE_NOT_FOUND = 163, InvalidParameter, "the zone does not exist";
        /// The operator forbids deleting resources.
        DELETE_FORBIDDEN = 164, Permission, "the operator forbids deleting resources";
        /// Too frequent; nothing was done: retry later.
        TOO_FREQUENT = 165, Throttled, "too many requests: nothing was done, retry later";
        /// The request lacks signature parameters.
        MISSING_SIGNATURE = 170, Auth, "the request lacks the signature parameters";
        /// Signature verification failed (wrong private key, or the pairs were altered).
        SIGNATURE_FAILED = 171, Auth, "the signature is not valid: check the key pair";
        /// Login expired.
        LOGIN_EXPIRED = 172, Auth, "the login expired";
        /// Permission limited.
        PERMISSION_LIMITED = 173, Permission, "permission limited";
        /// The admin account is abnormal.
        ADMIN_ABNORMAL = 177, Permission, "the admin account is abnormal";
        /// Only an administrator may call this.
        ADMIN_ONLY = 178, Permission, "only an administrator may call this";
        /// A parameter is missing.
        PARAM_MISSING = 229, InvalidParameter, "a parameter is missing";
        /// No permission to call the API.
        API_NOT_ALLOWED = 240, Permission, "no permission to call this action";
        /// The caller's IP is not allowed.
        IP_NOT_ALLOWED = 301, Permission, "the caller's IP is not allowed";
        /// The VM is not stopped, so no image can be made from it.
        VM_NOT_STOPPED = 2005, InvalidState, "the VM is not stopped: stop it first";
        /// The VM for the custom image does not exist.
        VM_NOT_FOUND = 2006, NotFound, "the VM does not exist";
        /// The image is unavailable, so it cannot be deleted (e.g. still `Making`).
        IMAGE_UNAVAILABLE = 2007, InvalidState, "the image's state does not allow deleting it now";
        /// The image does not exist.
        IMAGE_NOT_FOUND = 2008, NotFound, "the image does not exist";
        /// The image is in use (check the VMs made from it), so it cannot be deleted.
        IMAGE_IN_USE = 2009, InUse, "a VM uses this image: delete or reinstall it first";
        /// The image for the VM to create does not exist.
        CREATE_IMAGE_NOT_FOUND = 2014, NotFound, "the image does not exist";
    }
}

impl Platform {
    fn table(self) -> &'static [Row] {
        match self {
            Platform::V1 => v1::TABLE,
            Platform::V2 => v2::TABLE,
        }
    }

    /// The kind of a RetCode in this generation's table; `None` for 0 and for codes the table
    /// does not list (which are never retried).
    pub fn classify(self, ret_code: i64) -> Option<ApiErrorKind> {
        self.table().iter().find(|row| row.0 == ret_code).map(|row| row.1)
    }

    /// What a RetCode means in this generation's table, in a few words.
    pub fn meaning(self, ret_code: i64) -> Option<&'static str> {
        self.table().iter().find(|row| row.0 == ret_code).map(|row| row.2)
    }

    /// The code this generation answers with for a kind, e.g. `TOO_FREQUENT` for
    /// [`ApiErrorKind::Throttled`] (the first one its table lists).
    pub fn code_for(self, kind: ApiErrorKind) -> Option<i64> {
        self.table().iter().find(|row| row.1 == kind).map(|row| row.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generations_disagree_and_neither_uses_2000() {
        assert_eq!(Platform::V2.classify(v2::TOO_FREQUENT), Some(ApiErrorKind::Throttled));
        assert_eq!(Platform::V1.classify(v1::TOO_FREQUENT), Some(ApiErrorKind::Throttled));
        assert_eq!(Platform::V2.classify(165), None);
        assert_eq!(Platform::V1.classify(100), Some(ApiErrorKind::Busy));
        assert_eq!(Platform::V2.classify(100), Some(ApiErrorKind::InvalidParameter));
        assert_eq!(Platform::V2.classify(1001), Some(ApiErrorKind::InvalidState));
        assert_eq!(Platform::V1.classify(1001), None);
        assert_eq!(Platform::V2.classify(20004), Some(ApiErrorKind::Auth));
        assert_eq!(Platform::V2.classify(3000), None, "VPC not found is not in the table");
        assert_eq!(Platform::V1.classify(2008), Some(ApiErrorKind::NotFound));
        assert_eq!(Platform::V2.classify(OK), None);
        assert_eq!(Platform::default(), Platform::V2);
    }

    #[test]
    fn every_code_is_listed_once_per_table() {
        for platform in [Platform::V1, Platform::V2] {
            let mut codes: Vec<i64> = platform.table().iter().map(|r| r.0).collect();
            let n = codes.len();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), n, "{platform:?} lists a code twice");
        }
        assert_eq!(v2::TABLE.len(), 52);
        assert_eq!(v1::TABLE.len(), 30);
        assert_eq!(Platform::V2.code_for(ApiErrorKind::Throttled), Some(199));
        assert_eq!(Platform::V1.code_for(ApiErrorKind::NotFound), Some(2006));
    }
}
