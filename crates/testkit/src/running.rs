//! A service running inside the test's runtime.

use httpkit::service::Service;

/// A service serving on its random port until dropped.
pub struct RunningService {
    address: String,
    task: tokio::task::JoinHandle<()>,
}

impl RunningService {
    pub fn start(service: Service) -> Self {
        let address = format!("http://127.0.0.1:{}", service.port());
        let task = tokio::spawn(async move {
            service.run_until_stopped().await.expect("serve");
        });
        Self { address, task }
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }
}

impl Drop for RunningService {
    fn drop(&mut self) {
        self.task.abort();
    }
}
