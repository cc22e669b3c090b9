//! Data the fuzzer cannot make up: ids of tickets and orders that exist. Handed to
//! schemathesis as dictionaries for the id fields, so that operations on them get past
//! the 404 and their answers, not only their refusals, are checked against the
//! document.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

/// A user of the run, signed in through the gateway.
pub struct User {
    /// The session cookie's value.
    pub token: String,
}

/// Ids the fuzzing user can use.
pub struct Seeds {
    /// Tickets the fuzzing user listed (show and edit).
    own_tickets: Vec<String>,
    /// Another seller's tickets, for sale (reserve).
    for_sale: Vec<String>,
    /// The fuzzing user's orders, to show and cancel.
    orders: Vec<String>,
    /// The fuzzing user's orders, to pay.
    to_pay: Vec<String>,
}

impl User {
    /// Signs a user up (the data is fresh, so the email is free).
    pub async fn sign_up(gateway: &str, email: &str) -> anyhow::Result<Self> {
        let response = reqwest::Client::new()
            .post(format!("{gateway}/api/users/signup"))
            .json(&json!({ "email": email, "password": "fuzz-password" }))
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("signing up {email} failed ({})", response.status());
        }
        let token = response
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find_map(|value| {
                value
                    .split(';')
                    .next()
                    .and_then(|pair| pair.strip_prefix("session="))
            })
            .context("signup set no session cookie")?;
        Ok(Self {
            token: token.to_owned(),
        })
    }

    /// Posts `body` as this user and returns the status and the answer's `id`.
    async fn post(
        &self,
        url: String,
        body: Value,
    ) -> anyhow::Result<(reqwest::StatusCode, Option<String>)> {
        let response = reqwest::Client::new()
            .post(url)
            .header(reqwest::header::COOKIE, format!("session={}", self.token))
            .json(&body)
            .send()
            .await?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or_default();
        Ok((status, body["id"].as_str().map(str::to_owned)))
    }

    async fn list_ticket(&self, gateway: &str, title: &str) -> anyhow::Result<String> {
        let body = json!({ "title": title, "price": 25 });
        match self.post(format!("{gateway}/api/tickets"), body).await? {
            (status, Some(id)) if status.is_success() => Ok(id),
            (status, _) => bail!("listing a ticket failed ({status})"),
        }
    }

    /// Reserves `ticket`, waiting for the orders service to learn of it (an event).
    async fn reserve(&self, gateway: &str, ticket: &str) -> anyhow::Result<String> {
        let started = Instant::now();
        loop {
            let body = json!({ "ticketId": ticket });
            match self.post(format!("{gateway}/api/orders"), body).await? {
                (status, Some(id)) if status.is_success() => return Ok(id),
                (reqwest::StatusCode::NOT_FOUND, _) if started.elapsed() < PATIENCE => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                (status, _) => bail!("reserving a ticket failed ({status})"),
            }
        }
    }
}

/// How long a listed ticket may take to reach the orders service.
const PATIENCE: Duration = Duration::from_secs(15);

impl Seeds {
    /// Lists tickets as `fuzzer` and as another seller, and reserves some of the
    /// latter as `fuzzer`.
    pub async fn plant(gateway: &str, fuzzer: &User) -> anyhow::Result<Self> {
        let seller = User::sign_up(gateway, "seller@example.com").await?;
        let mut own_tickets = Vec::new();
        let mut for_sale = Vec::new();
        for n in 0..2 {
            own_tickets.push(fuzzer.list_ticket(gateway, &format!("Mine {n}")).await?);
        }
        for n in 0..6 {
            for_sale.push(
                seller
                    .list_ticket(gateway, &format!("For sale {n}"))
                    .await?,
            );
        }
        let mut reserved = Vec::new();
        for ticket in for_sale.drain(..3) {
            reserved.push(fuzzer.reserve(gateway, &ticket).await?);
        }
        let to_pay = reserved.split_off(1);
        Ok(Self {
            own_tickets,
            for_sale,
            orders: reserved,
            to_pay,
        })
    }

    /// The dictionaries and bindings for the document at `prefix`, as TOML for
    /// schemathesis's configuration. Half the values drawn for a bound field come from
    /// its dictionary; the others are generated as usual.
    pub fn config_for(&self, prefix: &str) -> String {
        let bindings: Vec<(&str, Vec<String>)> = match prefix {
            "/api/tickets" => vec![("path.id", self.own_tickets.clone())],
            "/api/orders" => vec![
                ("path.id", self.orders.clone()),
                ("body.ticketId", self.for_sale.clone()),
            ],
            "/api/payments" => vec![
                ("body.orderId", self.to_pay.clone()),
                (
                    "body.token",
                    vec!["pm_card_visa".into(), "pm_card_visa_chargeDeclined".into()],
                ),
            ],
            _ => Vec::new(),
        };
        let mut toml = String::new();
        let mut parameters = String::from("[parameters]\n");
        for (n, (key, values)) in bindings.iter().enumerate() {
            toml += &format!("[dictionaries.seed{n}]\nvalues = {}\n", json!(values));
            parameters +=
                &format!("\"{key}\" = {{ dictionary = \"seed{n}\", probability = 0.5 }}\n");
        }
        toml + &parameters
    }
}
