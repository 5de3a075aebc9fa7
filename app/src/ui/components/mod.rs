pub mod candidate;
pub mod consent;
pub mod files;
pub mod form;
pub mod layout;
