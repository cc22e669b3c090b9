//! What a bench run measured, as `results.json` keeps it.

use serde::Serialize;

use super::{flow, listing, routes};

/// Every figure of one run.
#[derive(Serialize)]
pub struct Results {
    /// When and where: the machine's cores and the date.
    pub measured_at: String,
    pub cores: usize,
    pub routes: routes::Figures,
    pub listing: listing::ListingFigures,
    pub flow: flow::FlowFigures,
    pub lapse: flow::LapseFigures,
}
