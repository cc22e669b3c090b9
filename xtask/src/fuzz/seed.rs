//! Data the fuzzer cannot make up: ids of tickets and orders that exist. Handed to
//! schemathesis as dictionaries for the id fields, so that operations on them get past
//! the 404 and their answers, not only their refusals, are checked against the
//! document.

use marketplace::money::Price;
use serde_json::json;
use testkit::api::ApiClient;

/// The password of the run's users.
pub const PASSWORD: &str = "fuzz-password";

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

impl Seeds {
    /// Lists tickets as `fuzzer` and as `seller`, a user not signed in yet, and
    /// reserves some of the latter as `fuzzer`.
    pub async fn plant(fuzzer: &ApiClient, seller: ApiClient) -> anyhow::Result<Self> {
        seller.sign_up("seller@example.com", PASSWORD).await?;
        let price = Price::from_cents(2500)?;
        let mut own_tickets = Vec::new();
        let mut for_sale = Vec::new();
        for n in 0..2 {
            own_tickets.push(fuzzer.list_ticket(&format!("Mine {n}"), price).await?.id);
        }
        for n in 0..6 {
            for_sale.push(
                seller
                    .list_ticket(&format!("For sale {n}"), price)
                    .await?
                    .id,
            );
        }
        let mut reserved = Vec::new();
        for ticket in for_sale.drain(..3) {
            reserved.push(fuzzer.reserve_when_orderable(&ticket).await?.value.id);
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
