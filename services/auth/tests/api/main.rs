//! The auth service over real HTTP against a real MongoDB-compatible server.

mod attempts;
mod bad_input;
mod current_user;
mod helpers;
mod openapi;
mod signin;
mod signout;
mod signup;
