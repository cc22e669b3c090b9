//! Where each API is served: all behind one gateway, or each service on its own port
//! (a service test that starts only the services it needs).

/// The base URL (`http://127.0.0.1:8080`) of each API; `None` for one not running.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    /// `/api/users`.
    pub auth: Option<String>,
    /// `/api/tickets`.
    pub tickets: Option<String>,
    /// `/api/orders`.
    pub orders: Option<String>,
    /// `/api/payments`.
    pub payments: Option<String>,
}

/// The APIs, by the service that serves them.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Api {
    Auth,
    Tickets,
    Orders,
    Payments,
}

impl Endpoints {
    /// Every API behind one gateway (or ingress) at `url`.
    pub fn gateway(url: &str) -> Self {
        let url = Some(url.trim_end_matches('/').to_owned());
        Self {
            auth: url.clone(),
            tickets: url.clone(),
            orders: url.clone(),
            payments: url,
        }
    }

    /// The full URL of `path` on `api`.
    ///
    /// # Panics
    /// If this client was given no endpoint for `api`: a test that never started the
    /// service should not call it.
    pub(crate) fn url(&self, api: Api, path: &str) -> String {
        let base = match api {
            Api::Auth => &self.auth,
            Api::Tickets => &self.tickets,
            Api::Orders => &self.orders,
            Api::Payments => &self.payments,
        };
        let base = base
            .as_deref()
            .unwrap_or_else(|| panic!("this API client was given no {api:?} endpoint"));
        format!("{base}{path}")
    }
}
