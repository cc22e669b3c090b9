// The order page's two live parts: the countdown to the order's expiry, and the card
// payment form. Stripe.js (or, locally, the Stripe fake's stand-in for it) turns the
// card into a PaymentMethod in the browser; only its id is posted to /api/payments.
(function () {
  "use strict";

  const timeLeft = document.getElementById("time-left");
  const form = document.getElementById("payment-form");
  if (!timeLeft || !form) return;

  const errors = document.getElementById("payment-errors");
  const progress = document.getElementById("payment-progress");
  const button = form.querySelector("button[type=submit]");
  const orderId = form.dataset.orderId;
  const deadline = Date.now() + Number(timeLeft.dataset.secondsLeft) * 1000;
  // Once a payment is under way the page no longer expires by itself: the server's
  // answer decides.
  let paying = false;

  function show(element, text) {
    element.textContent = text;
    element.hidden = !text;
  }

  function tick() {
    if (paying) return;
    const seconds = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    if (seconds === 0) {
      clearInterval(timer);
      const expired = document.createElement("p");
      expired.className = "notice expired";
      expired.setAttribute("role", "status");
      expired.textContent = "Order expired";
      timeLeft.closest(".countdown").replaceWith(expired);
      form.remove();
      return;
    }
    timeLeft.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  }
  const timer = setInterval(tick, 250);
  tick();

  if (typeof Stripe !== "function") {
    show(errors, "The card form could not be loaded. Check your connection and reload the page.");
    button.disabled = true;
    return;
  }
  const stripe = Stripe(form.dataset.publishableKey);
  const card = stripe.elements().create("card");
  card.mount("#card-element");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    show(errors, "");
    button.disabled = true;
    paying = true;
    show(progress, "Checking your card…");
    try {
      const { paymentMethod, error } = await stripe.createPaymentMethod({ type: "card", card });
      if (error) throw new Error(error.message);
      show(progress, "Charging your card…");
      const response = await fetch("/api/payments", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ orderId, token: paymentMethod.id }),
      });
      if (!response.ok) throw new Error(await messagesOf(response));
    } catch (failure) {
      paying = false;
      show(progress, "");
      show(errors, failure.message);
      button.disabled = false;
      tick();
      return;
    }
    // Charged: whatever happens while confirming, the buyer must not pay again.
    show(progress, "Payment received. Confirming your order…");
    await untilComplete().catch(() => {});
    window.location.assign("/orders");
  });

  async function messagesOf(response) {
    try {
      const body = await response.json();
      return body.errors.map((error) => error.message).join(" ");
    } catch {
      return `The payment failed (${response.status}). Try again in a moment.`;
    }
  }

  // The charge is taken; the order turns complete once the orders service hears of it,
  // usually within a second. Wait for that, but never strand the buyer on this page.
  async function untilComplete() {
    const giveUpAt = Date.now() + 15000;
    while (Date.now() < giveUpAt) {
      const response = await fetch(`/api/orders/${orderId}`, { credentials: "same-origin" });
      if (response.ok && (await response.json()).status === "complete") return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
})();
