/// One rule of the Ingress: requests whose path starts with `prefix` (as whole path
/// segments, like a Kubernetes `Prefix` path) go to `service`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub prefix: &'static str,
    pub service: &'static str,
}

/// The routing table of the Ingress and the dev gateway. Each `service` is also the
/// name of the workspace package and binary that serves it.
pub const ROUTES: &[Route] = &[
    Route {
        prefix: "/api/users",
        service: "auth",
    },
    Route {
        prefix: "/api/tickets",
        service: "tickets",
    },
    Route {
        prefix: "/api/orders",
        service: "orders",
    },
    Route {
        prefix: "/api/payments",
        service: "payments",
    },
    // Sellers' payouts are paid by the payments service, from the charges it made.
    Route {
        prefix: "/api/payouts",
        service: "payments",
    },
    // Everything else is a page of the web client.
    Route {
        prefix: "/",
        service: "client",
    },
];

/// The service for a request path: the longest matching prefix wins, as in
/// ingress-nginx.
pub fn service_for(path: &str) -> Option<&'static str> {
    ROUTES
        .iter()
        .filter(|route| matches_prefix(route.prefix, path))
        .max_by_key(|route| route.prefix.len())
        .map(|route| route.service)
}

fn matches_prefix(prefix: &str, path: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Ingress routes like this table (a `deploy-check` test), so it reaches the
    /// documents too.
    #[test]
    fn each_openapi_document_goes_to_its_service() {
        for (path, service) in [
            ("/api/users/openapi.json", "auth"),
            ("/api/tickets/openapi.json", "tickets"),
            ("/api/orders/openapi.json", "orders"),
            ("/api/payments/openapi.json", "payments"),
        ] {
            assert_eq!(service_for(path), Some(service), "{path}");
        }
    }

    #[test]
    fn user_paths_go_to_auth() {
        assert_eq!(service_for("/api/users/signup"), Some("auth"));
        assert_eq!(service_for("/api/users"), Some("auth"));
    }

    #[test]
    fn ticket_and_order_paths_go_to_their_services() {
        assert_eq!(service_for("/api/tickets"), Some("tickets"));
        assert_eq!(
            service_for("/api/tickets/5f0000000000000000000000"),
            Some("tickets")
        );
        assert_eq!(service_for("/api/orders/abc"), Some("orders"));
        assert_eq!(service_for("/api/payments"), Some("payments"));
    }

    #[test]
    fn prefixes_match_whole_segments_only() {
        assert_eq!(service_for("/api/usersx"), Some("client"));
        assert_eq!(service_for("/api"), Some("client"));
    }

    #[test]
    fn pages_go_to_the_client() {
        assert_eq!(service_for("/"), Some("client"));
        assert_eq!(service_for("/tickets/new"), Some("client"));
        assert_eq!(service_for("/orders/abc"), Some("client"));
    }

    #[test]
    fn a_root_prefix_matches_everything() {
        assert!(matches_prefix("/", "/tickets/new"));
        assert!(matches_prefix("/", "/"));
    }
}
