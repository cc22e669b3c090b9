//! Amounts in the smallest currency unit, written the way Stripe's messages write them.

/// `$25.00` for dollars, `25.00 EUR` for anything else.
pub(crate) fn format(amount: i64, currency: &str) -> String {
    let units = format!("{}.{:02}", amount / 100, amount % 100);
    if currency == "usd" {
        format!("${units}")
    } else {
        format!("{units} {}", currency.to_uppercase())
    }
}
