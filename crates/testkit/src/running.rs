//! A service running inside the test's runtime.

use httpkit::service::Service;

/// A service serving on its random port until dropped.
pub struct RunningService {
    address: String,
    metrics_address: String,
    task: tokio::task::JoinHandle<()>,
}

impl RunningService {
    pub fn start(service: Service) -> Self {
        let address = format!("http://127.0.0.1:{}", service.port());
        let metrics_address = format!("http://127.0.0.1:{}", service.metrics_port());
        let task = tokio::spawn(async move {
            service.run_until_stopped().await.expect("serve");
        });
        Self {
            address,
            metrics_address,
            task,
        }
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// What its metrics port answers at `GET /metrics`.
    pub async fn metrics(&self) -> String {
        let url = format!("{}/metrics", self.metrics_address);
        let response = reqwest::get(&url).await.expect("scrape the metrics port");
        assert!(
            response.status().is_success(),
            "{url}: {}",
            response.status()
        );
        response.text().await.expect("read the metrics")
    }
}

impl Drop for RunningService {
    fn drop(&mut self) {
        self.task.abort();
    }
}
