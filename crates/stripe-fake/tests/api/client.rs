//! The real async-stripe client against the fake: the calls the payments service makes,
//! for charges and refunds and for paying sellers through Connect.

use std::collections::HashMap;

use stripe::{ApiErrorsCode, ApiErrorsType};
use stripe_connect::account::{
    CreateAccount, CreateAccountCapabilities, CreateAccountCapabilitiesTransfers,
    CreateAccountType, RetrieveAccount,
};
use stripe_connect::account_link::{CreateAccountLink, CreateAccountLinkType};
use stripe_connect::transfer::{CreateTransfer, ListTransfer, RetrieveTransfer};
use stripe_connect::transfer_reversal::CreateIdTransferReversal;
use stripe_core::payment_intent::{
    ConfirmPaymentIntent, CreatePaymentIntent, RetrievePaymentIntent,
};
use stripe_core::refund::CreateRefund;
use stripe_payment::payment_method::{
    CreatePaymentMethod, CreatePaymentMethodCard, CreatePaymentMethodCardDetailsParams,
    CreatePaymentMethodTokenParams, CreatePaymentMethodType, RetrievePaymentMethod,
};
use stripe_shared::{PaymentIntentAllowedPaymentMethodTypes, PaymentIntentStatus};
use stripe_types::Currency;

use crate::helpers::{REFRESH_URL, RETURN_URL, TestFake, stripe_error};

fn order_metadata(order_id: &str) -> HashMap<String, String> {
    HashMap::from([
        ("order_id".to_owned(), order_id.to_owned()),
        ("user_id".to_owned(), "user-1".to_owned()),
    ])
}

fn payment(payment_method: &str) -> CreatePaymentIntent {
    CreatePaymentIntent::new(2500, Currency::USD)
        .payment_method(payment_method)
        .confirm(true)
        .metadata(order_metadata("order-1"))
}

#[tokio::test]
async fn paying_with_a_good_card_charges_it_once() {
    let app = TestFake::start().await;

    let intent = payment("pm_card_visa")
        .send(&app.client)
        .await
        .expect("the payment succeeds");

    assert_eq!(intent.status, PaymentIntentStatus::Succeeded);
    assert_eq!(intent.amount_received, 2500);
    assert_eq!(intent.metadata, order_metadata("order-1"));
    let ledger = app.ledger();
    assert_eq!(ledger.charges.len(), 1);
    let charge = &ledger.charges[0];
    assert_eq!(charge.payment_intent, intent.id.as_str());
    assert_eq!(
        Some(charge.id.as_str()),
        intent.latest_charge.as_ref().map(|c| c.id().as_str())
    );
    assert_eq!((charge.amount, charge.currency.as_str()), (2500, "usd"));
    assert_eq!(
        charge.metadata.get("order_id").map(String::as_str),
        Some("order-1")
    );
}

#[tokio::test]
async fn a_declined_card_is_stripes_card_error_and_charges_nothing() {
    let app = TestFake::start().await;
    let declines = [
        (
            "pm_card_visa_chargeDeclined",
            "generic_decline",
            "Your card was declined.",
        ),
        (
            "pm_card_chargeDeclinedInsufficientFunds",
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
    ];
    for (payment_method, decline_code, message) in declines {
        let (error, status) = stripe_error(payment(payment_method).send(&app.client).await);

        assert_eq!(status, 402);
        assert_eq!(error.type_, ApiErrorsType::CardError);
        assert_eq!(error.code, Some(ApiErrorsCode::CardDeclined));
        assert_eq!(error.decline_code.as_deref(), Some(decline_code));
        assert_eq!(error.message.as_deref(), Some(message));
        let intent = error
            .payment_intent
            .expect("the PaymentIntent comes with the error");
        assert_eq!(intent.status, PaymentIntentStatus::RequiresPaymentMethod);
        assert_eq!(intent.amount_received, 0);
    }
    assert!(app.ledger().charges.is_empty());
}

#[tokio::test]
async fn a_declined_payment_can_be_retried_with_another_card() {
    let app = TestFake::start().await;
    let (error, _) = stripe_error(
        payment("pm_card_visa_chargeDeclined")
            .send(&app.client)
            .await,
    );
    let id = error.payment_intent.expect("the declined PaymentIntent").id;

    let intent = ConfirmPaymentIntent::new(id.clone())
        .payment_method("pm_card_mastercard")
        .send(&app.client)
        .await
        .expect("the second card is charged");

    assert_eq!(intent.status, PaymentIntentStatus::Succeeded);
    assert!(intent.last_payment_error.is_none());
    assert_eq!(app.ledger().charges.len(), 1);
    assert_eq!(app.ledger().charges[0].payment_intent, id.as_str());
}

#[tokio::test]
async fn creating_then_confirming_then_retrieving() {
    let app = TestFake::start().await;

    let created = CreatePaymentIntent::new(1000, Currency::EUR)
        .payment_method("pm_card_visa")
        .description("Concert A")
        .send(&app.client)
        .await
        .expect("created");
    assert_eq!(created.status, PaymentIntentStatus::RequiresConfirmation);
    assert!(app.ledger().charges.is_empty());

    let confirmed = ConfirmPaymentIntent::new(created.id.clone())
        .send(&app.client)
        .await
        .unwrap();
    assert_eq!(confirmed.status, PaymentIntentStatus::Succeeded);

    let retrieved = RetrievePaymentIntent::new(created.id.clone())
        .send(&app.client)
        .await
        .unwrap();
    assert_eq!(retrieved.status, PaymentIntentStatus::Succeeded);
    assert_eq!(retrieved.description.as_deref(), Some("Concert A"));
    assert_eq!(retrieved.currency, Currency::EUR);

    let (error, status) = stripe_error(
        ConfirmPaymentIntent::new(created.id)
            .send(&app.client)
            .await,
    );
    assert_eq!(status, 400);
    assert_eq!(
        error.code,
        Some(ApiErrorsCode::PaymentIntentUnexpectedState)
    );
    assert_eq!(app.ledger().charges.len(), 1);
}

#[tokio::test]
async fn an_unknown_payment_method_is_resource_missing() {
    let app = TestFake::start().await;

    let (error, status) = stripe_error(payment("pm_nope").send(&app.client).await);

    assert_eq!(status, 400);
    assert_eq!(error.type_, ApiErrorsType::InvalidRequestError);
    assert_eq!(error.code, Some(ApiErrorsCode::ResourceMissing));
    assert_eq!(error.param.as_deref(), Some("payment_method"));
    assert_eq!(
        error.message.as_deref(),
        Some("No such PaymentMethod: 'pm_nope'")
    );
}

#[tokio::test]
async fn an_unknown_payment_intent_is_resource_missing() {
    let app = TestFake::start().await;

    let (error, status) = stripe_error(
        RetrievePaymentIntent::new("pi_nope")
            .send(&app.client)
            .await,
    );

    assert_eq!(status, 404);
    assert_eq!(error.code, Some(ApiErrorsCode::ResourceMissing));
}

#[tokio::test]
async fn refunds_give_back_at_most_what_was_charged() {
    let app = TestFake::start().await;
    let intent = payment("pm_card_visa").send(&app.client).await.unwrap();

    let partial = CreateRefund::new()
        .payment_intent(intent.id.as_str())
        .amount(1000)
        .send(&app.client)
        .await
        .expect("a partial refund");
    assert_eq!(partial.amount, 1000);
    assert_eq!(
        partial.payment_intent.as_ref().map(|p| p.id().as_str()),
        Some(intent.id.as_str())
    );

    let (too_much, status) = stripe_error(
        CreateRefund::new()
            .payment_intent(intent.id.as_str())
            .amount(2000)
            .send(&app.client)
            .await,
    );
    assert_eq!(status, 400);
    assert_eq!(too_much.code, Some(ApiErrorsCode::AmountTooLarge));

    let rest = CreateRefund::new()
        .payment_intent(intent.id.as_str())
        .send(&app.client)
        .await
        .unwrap();
    assert_eq!(rest.amount, 1500);

    let (again, _) = stripe_error(
        CreateRefund::new()
            .payment_intent(intent.id.as_str())
            .send(&app.client)
            .await,
    );
    assert_eq!(again.code, Some(ApiErrorsCode::ChargeAlreadyRefunded));

    let refunds = app.ledger().refunds;
    assert_eq!(
        refunds.iter().map(|r| r.amount).collect::<Vec<_>>(),
        [1000, 1500]
    );
    assert_eq!(refunds[0].id, partial.id.as_str());
    assert!(
        refunds
            .iter()
            .all(|r| r.payment_intent == intent.id.as_str())
    );
}

#[tokio::test]
async fn a_payment_that_did_not_go_through_cannot_be_refunded() {
    let app = TestFake::start().await;
    let (error, _) = stripe_error(
        payment("pm_card_visa_chargeDeclined")
            .send(&app.client)
            .await,
    );
    let declined = error.payment_intent.unwrap().id;

    let (error, status) = stripe_error(
        CreateRefund::new()
            .payment_intent(declined.as_str())
            .send(&app.client)
            .await,
    );
    assert_eq!(status, 400);
    assert_eq!(error.type_, ApiErrorsType::InvalidRequestError);

    let (error, _) = stripe_error(
        CreateRefund::new()
            .payment_intent("pi_nope")
            .send(&app.client)
            .await,
    );
    assert_eq!(error.code, Some(ApiErrorsCode::ResourceMissing));
    assert!(app.ledger().refunds.is_empty());
}

#[tokio::test]
async fn payment_methods_made_from_cards_and_tokens_behave_like_them() {
    let app = TestFake::start().await;
    let from_number = CreatePaymentMethod::new()
        .type_(CreatePaymentMethodType::Card)
        .card(CreatePaymentMethodCard::CardDetailsParams(
            CreatePaymentMethodCardDetailsParams::new(12, 2040, "4000000000009995"),
        ))
        .send(&app.client)
        .await
        .expect("a payment method from a test number");
    let from_token = CreatePaymentMethod::new()
        .type_(CreatePaymentMethodType::Card)
        .card(CreatePaymentMethodCard::TokenParams(
            CreatePaymentMethodTokenParams::new("tok_visa"),
        ))
        .send(&app.client)
        .await
        .expect("a payment method from a test token");

    let retrieved = RetrievePaymentMethod::new(from_number.id.clone())
        .send(&app.client)
        .await
        .unwrap();
    let card = retrieved.card.expect("a card");
    assert_eq!((card.last4.as_str(), card.exp_year), ("9995", 2040));

    let (error, _) = stripe_error(payment(from_number.id.as_str()).send(&app.client).await);
    assert_eq!(error.decline_code.as_deref(), Some("insufficient_funds"));
    let intent = payment(from_token.id.as_str())
        .send(&app.client)
        .await
        .unwrap();
    assert_eq!(intent.status, PaymentIntentStatus::Succeeded);
    assert_eq!(app.ledger().charges.len(), 1);
}

#[tokio::test]
async fn a_bad_card_number_is_a_card_error() {
    let app = TestFake::start().await;

    let (error, status) = stripe_error(
        CreatePaymentMethod::new()
            .type_(CreatePaymentMethodType::Card)
            .card(CreatePaymentMethodCard::CardDetailsParams(
                CreatePaymentMethodCardDetailsParams::new(12, 2040, "4242424242424241"),
            ))
            .send(&app.client)
            .await,
    );

    assert_eq!(status, 402);
    assert_eq!(error.code, Some(ApiErrorsCode::IncorrectNumber));
}

#[tokio::test]
async fn redirecting_automatic_payment_methods_need_a_return_url_as_on_stripe() {
    use stripe_core::payment_intent::{
        CreatePaymentIntentAutomaticPaymentMethods,
        CreatePaymentIntentAutomaticPaymentMethodsAllowRedirects,
    };
    let app = TestFake::start().await;

    let (error, status) = stripe_error(
        payment("pm_card_visa")
            .automatic_payment_methods(CreatePaymentIntentAutomaticPaymentMethods::new(true))
            .send(&app.client)
            .await,
    );
    assert_eq!(status, 400);
    assert!(error.message.unwrap().contains("return_url"));

    let mut no_redirects = CreatePaymentIntentAutomaticPaymentMethods::new(true);
    no_redirects.allow_redirects =
        Some(CreatePaymentIntentAutomaticPaymentMethodsAllowRedirects::Never);
    let intent = payment("pm_card_visa")
        .automatic_payment_methods(no_redirects)
        .send(&app.client)
        .await
        .unwrap();
    assert_eq!(intent.status, PaymentIntentStatus::Succeeded);

    let cards_only = payment("pm_card_visa")
        .automatic_payment_methods(CreatePaymentIntentAutomaticPaymentMethods::new(true))
        .allowed_payment_method_types(vec![PaymentIntentAllowedPaymentMethodTypes::Card])
        .send(&app.client)
        .await
        .expect("cards never redirect");
    assert_eq!(cards_only.status, PaymentIntentStatus::Succeeded);
    assert_eq!(
        cards_only.allowed_payment_method_types,
        Some(vec![PaymentIntentAllowedPaymentMethodTypes::Card])
    );
    assert_eq!(cards_only.payment_method_types, ["card"]);
}

#[tokio::test]
async fn a_publishable_or_missing_key_is_refused() {
    let app = TestFake::start().await;
    let client = stripe::ClientBuilder::new("pk_test_123456789")
        .url(app.fake.url())
        .build()
        .unwrap();

    let (error, status) = stripe_error(payment("pm_card_visa").send(&client).await);

    assert_eq!(status, 401);
    assert_eq!(
        error.message.as_deref(),
        Some("Invalid API Key provided: pk_test_*****6789")
    );
    assert!(app.ledger().charges.is_empty());
}

#[tokio::test]
async fn a_seller_is_onboarded_paid_and_reversed_through_the_client() {
    let app = TestFake::start().await;
    let mut transfers_capability = CreateAccountCapabilities::new();
    transfers_capability.transfers = Some(CreateAccountCapabilitiesTransfers {
        requested: Some(true),
    });
    let account = CreateAccount::new()
        .type_(CreateAccountType::Express)
        .country("US")
        .email("seller@example.com")
        .capabilities(transfers_capability)
        .metadata(HashMap::from([(
            "user_id".to_owned(),
            "seller-1".to_owned(),
        )]))
        .send(&app.client)
        .await
        .expect("an account");
    assert_eq!(account.charges_enabled, Some(false));

    let link = CreateAccountLink::new(
        account.id.as_str(),
        CreateAccountLinkType::AccountOnboarding,
    )
    .refresh_url(REFRESH_URL)
    .return_url(RETURN_URL)
    .send(&app.client)
    .await
    .expect("an onboarding link");
    assert_eq!(app.visit(&link.url).await.location(), RETURN_URL);
    let onboarded = RetrieveAccount::new(account.id.clone())
        .send(&app.client)
        .await
        .unwrap();
    assert_eq!(
        (
            onboarded.charges_enabled,
            onboarded.payouts_enabled,
            onboarded.details_submitted
        ),
        (Some(true), Some(true), Some(true))
    );

    let intent = payment("pm_card_visa").send(&app.client).await.unwrap();
    let charge = intent.latest_charge.expect("a charge").id().to_string();
    let transfer = CreateTransfer::new(Currency::USD, account.id.as_str())
        .amount(2250)
        .source_transaction(charge.as_str())
        .transfer_group("order-1")
        .metadata(order_metadata("order-1"))
        .send(&app.client)
        .await
        .expect("the seller is paid");
    assert_eq!(
        transfer.destination.as_ref().map(|d| d.id().as_str()),
        Some(account.id.as_str())
    );
    assert_eq!(
        transfer
            .source_transaction
            .as_ref()
            .map(|c| c.id().as_str()),
        Some(charge.as_str())
    );

    let listed = ListTransfer::new()
        .transfer_group("order-1")
        .send(&app.client)
        .await
        .unwrap();
    assert_eq!(
        listed.data.iter().map(|t| &t.id).collect::<Vec<_>>(),
        [&transfer.id]
    );

    let reversal = CreateIdTransferReversal::new(transfer.id.clone())
        .send(&app.client)
        .await
        .expect("reversed in full");
    assert_eq!(reversal.amount, 2250);
    let reversed = RetrieveTransfer::new(transfer.id)
        .send(&app.client)
        .await
        .unwrap();
    assert!(reversed.reversed);
    assert_eq!(reversed.amount_reversed, 2250);
}

#[tokio::test]
async fn a_transfer_refused_by_stripe_is_an_invalid_request_error() {
    let app = TestFake::start().await;
    let intent = payment("pm_card_visa").send(&app.client).await.unwrap();
    let charge = intent.latest_charge.expect("a charge").id().to_string();
    let waiting = app.account().await;

    let (error, status) = stripe_error(
        CreateTransfer::new(Currency::USD, waiting)
            .amount(2250)
            .source_transaction(charge)
            .send(&app.client)
            .await,
    );

    assert_eq!(status, 400);
    assert_eq!(error.type_, ApiErrorsType::InvalidRequestError);
    assert_eq!(error.param.as_deref(), Some("destination"));
    assert!(app.ledger().transfers.is_empty());
}
