//! Stripe's documented test cards: the payment method ids, tokens and numbers that
//! succeed or decline in test mode (https://docs.stripe.com/testing).

/// Why a test card declines, as Stripe reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decline {
    Generic,
    InsufficientFunds,
}

impl Decline {
    pub(crate) fn decline_code(self) -> &'static str {
        match self {
            Self::Generic => "generic_decline",
            Self::InsufficientFunds => "insufficient_funds",
        }
    }

    pub(crate) fn message(self) -> &'static str {
        match self {
            Self::Generic => "Your card was declined.",
            Self::InsufficientFunds => "Your card has insufficient funds.",
        }
    }
}

/// A test card: what it looks like and what happens when it is charged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TestCard {
    pub(crate) brand: &'static str,
    pub(crate) last4: &'static str,
    /// `None` when a charge succeeds.
    pub(crate) decline: Option<Decline>,
}

const VISA: TestCard = TestCard {
    brand: "visa",
    last4: "4242",
    decline: None,
};
const MASTERCARD: TestCard = TestCard {
    brand: "mastercard",
    last4: "4444",
    decline: None,
};
const DECLINED: TestCard = TestCard {
    brand: "visa",
    last4: "0002",
    decline: Some(Decline::Generic),
};
const INSUFFICIENT_FUNDS: TestCard = TestCard {
    brand: "visa",
    last4: "9995",
    decline: Some(Decline::InsufficientFunds),
};

/// Payment method ids Stripe accepts in test mode without creating them first.
const PAYMENT_METHODS: [(&str, TestCard); 4] = [
    ("pm_card_visa", VISA),
    ("pm_card_mastercard", MASTERCARD),
    ("pm_card_visa_chargeDeclined", DECLINED),
    (
        "pm_card_chargeDeclinedInsufficientFunds",
        INSUFFICIENT_FUNDS,
    ),
];

const TOKENS: [(&str, TestCard); 4] = [
    ("tok_visa", VISA),
    ("tok_mastercard", MASTERCARD),
    ("tok_chargeDeclined", DECLINED),
    ("tok_chargeDeclinedInsufficientFunds", INSUFFICIENT_FUNDS),
];

const NUMBERS: [(&str, TestCard); 4] = [
    ("4242424242424242", VISA),
    ("5555555555554444", MASTERCARD),
    ("4000000000000002", DECLINED),
    ("4000000000009995", INSUFFICIENT_FUNDS),
];

fn find(table: &[(&str, TestCard)], key: &str) -> Option<TestCard> {
    table
        .iter()
        .find(|(name, _)| *name == key)
        .map(|(_, card)| *card)
}

/// The card behind one of Stripe's ready-made test payment method ids.
pub(crate) fn by_payment_method(id: &str) -> Option<TestCard> {
    find(&PAYMENT_METHODS, id)
}

/// The card behind a test token such as `tok_visa`.
pub(crate) fn by_token(token: &str) -> Option<TestCard> {
    find(&TOKENS, token)
}

/// The card behind a test card number (separators allowed, as Stripe allows them).
pub(crate) fn by_number(number: &str) -> Option<TestCard> {
    let digits: String = number.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    find(&NUMBERS, &digits)
}

/// A test card number with the ready-made payment method id Stripe gives the same
/// card, as Stripe.js would turn a typed number into a PaymentMethod.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TypedCard {
    pub(crate) number: &'static str,
    pub(crate) payment_method: &'static str,
    pub(crate) card: TestCard,
}

/// Every test card number that has a ready-made payment method id.
pub(crate) fn typed_cards() -> impl Iterator<Item = TypedCard> {
    NUMBERS.iter().filter_map(|&(number, card)| {
        PAYMENT_METHODS
            .iter()
            .find(|(_, same)| *same == card)
            .map(|&(payment_method, _)| TypedCard {
                number,
                payment_method,
                card,
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_test_cards_behave_as_documented() {
        assert_eq!(by_payment_method("pm_card_visa").unwrap().decline, None);
        assert_eq!(
            by_payment_method("pm_card_mastercard").unwrap().brand,
            "mastercard"
        );
        assert_eq!(
            by_payment_method("pm_card_visa_chargeDeclined")
                .unwrap()
                .decline,
            Some(Decline::Generic)
        );
        assert_eq!(
            by_token("tok_chargeDeclinedInsufficientFunds"),
            Some(INSUFFICIENT_FUNDS)
        );
        assert_eq!(by_number("4000 0000 0000 0002"), Some(DECLINED));
        assert_eq!(by_number("4242-4242-4242-4242"), Some(VISA));
    }

    #[test]
    fn every_test_card_number_can_be_typed_into_a_payment_method() {
        let typed: Vec<_> = typed_cards()
            .map(|typed| (typed.number, typed.payment_method))
            .collect();
        assert_eq!(
            typed,
            [
                ("4242424242424242", "pm_card_visa"),
                ("5555555555554444", "pm_card_mastercard"),
                ("4000000000000002", "pm_card_visa_chargeDeclined"),
                (
                    "4000000000009995",
                    "pm_card_chargeDeclinedInsufficientFunds"
                ),
            ]
        );
    }

    #[test]
    fn anything_else_is_unknown() {
        assert_eq!(by_payment_method("pm_card_unknown"), None);
        assert_eq!(by_token("pm_card_visa"), None);
        assert_eq!(by_number("1234"), None);
    }
}
