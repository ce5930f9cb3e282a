//! The OS flags (`--os-type`, `--distribution`, `--os-version`, `--arch`, `--bootloader`) set
//! on any builder that takes them: update, import-url and upload.

use crate::args::{OsFlags, known};
use crate::error::Failure;
use ucloudstack::image::{
    BootloaderType, ImportImageFromUrlBuilder, OsType, UpdateImageFluentBuilder, UploadImageBuilder,
};

/// A builder with the library's OS setters.
pub trait OsSetters: Sized {
    fn os_type(self, value: OsType) -> Self;
    fn os_distribution(self, value: String) -> Self;
    fn os_version(self, value: String) -> Self;
    fn set_arch(self, value: String) -> Self;
    fn bootloader_type(self, value: BootloaderType) -> Self;
}

macro_rules! os_setters {
    ($($builder:ty),*) => {$(
        impl OsSetters for $builder {
            fn os_type(self, value: OsType) -> Self { <$builder>::os_type(self, value) }
            fn os_distribution(self, value: String) -> Self { <$builder>::os_distribution(self, value) }
            fn os_version(self, value: String) -> Self { <$builder>::os_version(self, value) }
            fn set_arch(self, value: String) -> Self { <$builder>::set_arch(self, value) }
            fn bootloader_type(self, value: BootloaderType) -> Self { <$builder>::bootloader_type(self, value) }
        }
    )*};
}

os_setters!(UpdateImageFluentBuilder, ImportImageFromUrlBuilder, UploadImageBuilder);

/// Sets on `builder` each OS flag given.
pub fn with_os<B: OsSetters>(mut builder: B, os: impl Into<OsFlags>) -> Result<B, Failure> {
    let os = os.into();
    if let Some(os_type) = os.os_type {
        builder = builder.os_type(known(&os_type, OsType::KNOWN)?);
    }
    if let Some(distribution) = os.distribution {
        builder = builder.os_distribution(distribution);
    }
    if let Some(version) = os.os_version {
        builder = builder.os_version(version);
    }
    if let Some(arch) = os.arch {
        builder = builder.set_arch(arch);
    }
    if let Some(bootloader) = os.bootloader {
        builder = builder.bootloader_type(known(&bootloader, BootloaderType::KNOWN)?);
    }
    Ok(builder)
}
