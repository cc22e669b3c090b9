// A stand-in for Stripe.js v3 (https://js.stripe.com/v3/), served by the workspace's
// Stripe fake so the checkout page runs its real code path on a machine without
// internet. It covers only what that page uses: Stripe(key), elements().create("card"),
// element.mount/on/focus/clear, and createPaymentMethod({ type: "card", card }).
// The card element is one number field; a typed test card number becomes the
// ready-made PaymentMethod id Stripe documents for it (4242… -> pm_card_visa), which
// the fake then charges or declines as real Stripe would. No card data leaves the page.
(function () {
  "use strict";

  /** Test card number -> { paymentMethod, brand, last4 }, from the fake's card table. */
  const TEST_CARDS = __TEST_CARDS__;

  const digitsOf = (value) => value.replace(/[\s-]/g, "");

  function createCardElement() {
    const input = document.createElement("input");
    input.type = "text";
    input.inputMode = "numeric";
    input.autocomplete = "cc-number";
    input.placeholder = "Card number, e.g. 4242 4242 4242 4242";
    input.setAttribute("aria-label", "Card number");
    input.className = "stripe-stand-in-card";
    const changeHandlers = [];
    input.addEventListener("input", () => {
      const number = digitsOf(input.value);
      const card = TEST_CARDS[number];
      const event = {
        elementType: "card",
        empty: number === "",
        complete: card !== undefined,
        brand: card ? card.brand : "unknown",
      };
      changeHandlers.forEach((handler) => handler(event));
    });
    return {
      mount(target) {
        const container = typeof target === "string" ? document.querySelector(target) : target;
        container.replaceChildren(input);
      },
      on(type, handler) {
        if (type === "change") changeHandlers.push(handler);
      },
      focus() {
        input.focus();
      },
      clear() {
        input.value = "";
      },
      typedNumber() {
        return digitsOf(input.value);
      },
    };
  }

  window.Stripe = function Stripe(publishableKey) {
    if (typeof publishableKey !== "string" || !publishableKey.startsWith("pk_")) {
      throw new Error("IntegrationError: call Stripe() with your publishable key (pk_…).");
    }
    return {
      elements() {
        return {
          create(type) {
            if (type !== "card") {
              throw new Error(`The Stripe.js stand-in has only the "card" element, not "${type}".`);
            }
            return createCardElement();
          },
        };
      },
      async createPaymentMethod({ type, card }) {
        if (type !== "card" || !card || typeof card.typedNumber !== "function") {
          throw new Error("IntegrationError: createPaymentMethod needs { type: 'card', card: element }.");
        }
        const found = TEST_CARDS[card.typedNumber()];
        if (!found) {
          return {
            error: {
              type: "validation_error",
              code: "incorrect_number",
              message:
                "Your card number is incorrect. Locally, use a Stripe test card: " +
                "4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined.",
            },
          };
        }
        return {
          paymentMethod: {
            id: found.paymentMethod,
            object: "payment_method",
            type: "card",
            card: { brand: found.brand, last4: found.last4 },
          },
        };
      },
    };
  };
})();
