pub mod file_open;
pub mod method_select;
pub mod metrics_panel;
pub mod pane;
pub mod status_bar;
pub mod toolbar;
