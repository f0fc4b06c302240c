pub mod file_open;
pub mod status_bar;
pub mod toolbar;
pub mod viewport;
