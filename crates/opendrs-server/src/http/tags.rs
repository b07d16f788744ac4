//! The v5 tag routes: thin handlers over `opendrs_core::tags`.
