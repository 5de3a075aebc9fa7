pub mod health;
pub mod logout;
