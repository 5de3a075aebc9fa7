//! Pages (one file per route) and the components they share. Nothing here touches the backend:
//! data arrives through server functions in `api`.

pub mod components;
pub mod pages;
