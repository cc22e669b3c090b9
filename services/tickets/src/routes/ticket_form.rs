use httpkit::{Error, validate_both};
use marketplace::money::Price;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::title::Title;

/// The body of create and update. Fields arrive as raw JSON so that a missing field or
/// a wrong type is reported with its field named, like an invalid value; the schema
/// says what is valid.
#[derive(Deserialize, ToSchema)]
pub(crate) struct TicketForm {
    #[serde(default)]
    #[schema(value_type = Title, required = true)]
    title: Option<Value>,
    #[serde(default)]
    #[schema(value_type = Price, required = true)]
    price: Option<Value>,
}

impl TicketForm {
    pub(crate) fn parse(self) -> Result<(Title, Price), Error> {
        let title = match self.title {
            Some(Value::String(title)) => Title::parse(&title),
            _ => Err(Error::invalid("title", "Title is required")),
        };
        let price = match self.price {
            Some(Value::Number(amount)) => amount
                .as_f64()
                .ok_or_else(|| Error::invalid("price", "Price must be a number"))
                .and_then(|amount| {
                    Price::from_amount(amount)
                        .map_err(|error| Error::invalid("price", error.to_string()))
                }),
            None | Some(Value::Null) => Err(Error::invalid("price", "Price is required")),
            Some(_) => Err(Error::invalid("price", "Price must be a number")),
        };
        validate_both(title, price)
    }
}
