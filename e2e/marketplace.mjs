// The browser test: a seller and a buyer, each in their own browser context, use the
// marketplace through the gateway exactly as people would. `cargo xtask e2e` starts
// the stack and runs this twice:
//   node marketplace.mjs sale    steps 1-6, with the usual 15-minute hold (and sales
//                                paid to sellers 3 s after, PAYOUT_HOLD_SECONDS=3)
//   node marketplace.mjs expiry  step 7, after a restart with ORDER_EXPIRATION_SECONDS=3
// Sessions carry over between the two runs in storage-state files, as a browser keeps
// its cookies while the servers restart. Each step saves a screenshot.
//
// Environment: E2E_URL (the gateway), E2E_OUT (screenshots and state),
// E2E_HOLD_SECONDS (the stack's order hold), CHROMIUM (default /usr/bin/chromium).

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const phase = process.argv[2];
const baseURL = required("E2E_URL");
const out = required("E2E_OUT");
/** How long an order holds its ticket in the stack under test (its ORDER_EXPIRATION_SECONDS). */
const holdSeconds = Number(required("E2E_HOLD_SECONDS"));
mkdirSync(out, { recursive: true });

// Unique per run, so the test also runs against a stack that kept older data.
const run = Date.now().toString(36);
const SELLER = { email: `seller-${run}@example.com`, password: "seller-password" };
const BUYER = { email: `buyer-${run}@example.com`, password: "buyer-password" };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  // As the machine notes say: no sandbox as root, and no background connections
  // to Google, which a closed network refuses.
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

try {
  if (phase === "sale") await sale();
  else if (phase === "expiry") await expiry();
  else throw new Error(`unknown phase "${phase}": use "sale" or "expiry"`);
} finally {
  await browser.close();
}

async function sale() {
  const seller = await newUser("seller");
  const buyer = await newUser("buyer");

  await step("01-seller-lists-concert-a", seller, async () => {
    await signUp(seller, SELLER);
    await listTicket(seller, "Concert A", "25");
    await seller.getByRole("heading", { name: "My listings" }).waitFor();
    await listingOf(seller, "Concert A").getByText("For sale").waitFor();
  });

  await step("01b-seller-connects-a-payout-account", seller, async () => {
    await seller.getByRole("link", { name: "Get paid" }).click();
    await seller.getByRole("button", { name: "Connect a payout account" }).click();
    // Stripe's onboarding (the fake's page) completes the account and sends the
    // seller back to the page they came from.
    await seller.waitForURL(/\/payouts\/account$/);
    await seller.getByText("Your payout account is ready").waitFor();
  });

  let orderUrl;
  await step("02-buyer-finds-and-purchases", buyer, async () => {
    await signUp(buyer, BUYER);
    await buyer.goto("/");
    const row = buyer.getByRole("row").filter({ hasText: "Concert A" });
    await row.getByText("$25.00").waitFor();
    await row.getByRole("link", { name: "View" }).click();
    await buyer.getByRole("heading", { name: "Concert A" }).waitFor();
    await purchase(buyer);
    orderUrl = buyer.url();
  });

  await step("03-order-page-counts-down", buyer, async () => {
    const timeLeft = buyer.locator("#time-left");
    const first = toSeconds(await timeLeft.textContent());
    assert.ok(first <= holdSeconds && first >= holdSeconds - 5, `a fresh order shows its ${holdSeconds}s hold, got ${first}s`);
    await buyer.waitForFunction(
      (start) => {
        const [minutes, seconds] = document.getElementById("time-left").textContent.split(":");
        return Number(minutes) * 60 + Number(seconds) < start;
      },
      first,
      { timeout: 5000 },
    );
  });

  await step("04-seller-sees-it-locked", seller, async () => {
    await seller.goto("/tickets/mine");
    const listing = listingOf(seller, "Concert A");
    await listing.getByText("Locked", { exact: true }).waitFor();
    for (const control of [listing.getByLabel("Title"), listing.getByLabel("Price (USD)"), listing.getByRole("button", { name: "Save changes" })]) {
      assert.ok(await control.isDisabled(), "the edit form is disabled while locked");
    }
    await listing.getByText("A buyer has reserved this ticket").waitFor();
    // Submitting anyway (as a page opened before the lock would) is refused too.
    const id = await listing.getAttribute("data-ticket-id");
    const forced = await seller.request.post(`/tickets/${id}/edit`, {
      form: { title: "Concert A (edited)", price: "99" },
      maxRedirects: 0,
    });
    assert.equal(forced.status(), 400);
    assert.match(await forced.text(), /Cannot edit a reserved ticket/);
  });

  await step("05a-declined-card-is-reported", buyer, async () => {
    await buyer.goto(orderUrl);
    await buyer.getByLabel("Card number").fill("4000 0000 0000 0002");
    await buyer.getByRole("button", { name: /^Pay/ }).click();
    await buyer.locator("#payment-errors").getByText("Your card was declined.").waitFor();
  });

  await step("05b-paid-and-complete", buyer, async () => {
    await buyer.getByLabel("Card number").fill("4242 4242 4242 4242");
    await buyer.getByRole("button", { name: /^Pay/ }).click();
    await buyer.waitForURL(/\/orders$/, { timeout: 20000 });
    const row = buyer.getByRole("row").filter({ hasText: "Concert A" });
    await row.getByText("Complete", { exact: true }).waitFor();
  });

  await step("06-sold-ticket-is-gone", buyer, async () => {
    await buyer.goto("/");
    await buyer.getByRole("heading", { name: "Tickets for sale" }).waitFor();
    assert.equal(await buyer.getByText("Concert A").count(), 0, "a sold ticket is not for sale");
    await seller.goto("/tickets/mine");
    await listingOf(seller, "Concert A").getByText("Sold", { exact: true }).waitFor();
  });

  await step("06b-seller-is-paid-after-the-hold", seller, async () => {
    await seller.getByRole("link", { name: "My payouts" }).click();
    // The sale shows "held until …" first; the payments service pays it once the
    // hold has passed, on its next round (every 2 s).
    const deadline = Date.now() + 30000;
    let status;
    for (;;) {
      status = (await seller.locator("td.status").first().textContent({ timeout: 5000 }).catch(() => null))?.trim();
      if (status === "paid") break;
      assert.ok(Date.now() < deadline, `the sale never showed "paid" on My payouts within 30 s (last status: ${status ?? "no payout row"})`);
      await seller.waitForTimeout(1000);
      await seller.reload();
    }
    const row = seller.getByRole("row").filter({ hasText: "paid" });
    await row.getByText("$22.50").waitFor();
  });

  await saveSession(seller, "seller");
  await saveSession(buyer, "buyer");
}

async function expiry() {
  const seller = await returningUser("seller");
  const buyer = await returningUser("buyer");

  await step("07a-second-ticket-purchased-with-3s-hold", buyer, async () => {
    await listTicket(seller, "Concert B", "30");
    await buyer.goto("/");
    await buyer.getByRole("row").filter({ hasText: "Concert B" }).getByRole("link", { name: "View" }).click();
    await purchase(buyer);
    const seconds = toSeconds(await buyer.locator("#time-left").textContent());
    assert.ok(seconds <= holdSeconds, `the hold is ${holdSeconds}s, the page shows ${seconds}s`);
  });

  await step("07b-order-expired", buyer, async () => {
    await buyer.getByText("Order expired").waitFor({ timeout: 10000 });
    assert.equal(await buyer.locator("#payment-form").count(), 0, "no payment form on an expired order");
  });

  await step("07c-ticket-back-on-sale", buyer, async () => {
    // Expiry cancels the order and frees the ticket through events, a moment after
    // the page's own countdown ends.
    const deadline = Date.now() + 15000;
    for (;;) {
      await buyer.goto("/");
      if ((await buyer.getByRole("row").filter({ hasText: "Concert B" }).count()) === 1) break;
      assert.ok(Date.now() < deadline, "Concert B never came back on sale");
      await buyer.waitForTimeout(500);
    }
    await buyer.goto("/orders");
    await buyer.getByRole("row").filter({ hasText: "Concert B" }).getByText("Order expired").waitFor();
    await buyer.goto("/");
  });
}

// ---- helpers -------------------------------------------------------------------

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set (cargo xtask e2e sets it)`);
  return value;
}

async function newUser(name, storageState) {
  const context = await browser.newContext({ baseURL, storageState, viewport: { width: 1000, height: 700 } });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error(`[${name} page error] ${error.message}`));
  return page;
}

function returningUser(name) {
  return newUser(name, join(out, `${name}-session.json`));
}

async function saveSession(page, name) {
  await page.context().storageState({ path: join(out, `${name}-session.json`) });
}

/** Runs one step of the scenario and saves a screenshot of `page` after it. */
async function step(name, page, action) {
  const started = Date.now();
  process.stdout.write(`    ${name} ... `);
  try {
    await action();
  } catch (error) {
    const shot = join(out, `${name}-FAILED.png`);
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    console.log("FAILED");
    console.error(`at ${page.url()} (screenshot ${shot})`);
    throw error;
  }
  await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
  console.log(`ok (${Date.now() - started} ms)`);
}

async function signUp(page, user) {
  await page.goto("/auth/signup");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

async function listTicket(page, title, price) {
  await page.goto("/");
  await page.getByRole("link", { name: "Sell tickets" }).click();
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Price (USD)").fill(price);
  await page.getByRole("button", { name: "List ticket" }).click();
  await listingOf(page, title).waitFor();
}

/** Clicks Purchase until the order opens: a ticket listed a moment ago cannot be
 * bought until the orders service has heard of it, and the page says so. */
async function purchase(page) {
  const deadline = Date.now() + 15000;
  for (;;) {
    await page.getByRole("button", { name: "Purchase" }).click();
    await page.waitForURL(/\/(orders\/[0-9a-f]{24}|tickets\/[0-9a-f]{24}\/purchase)$/);
    if (/\/orders\/[0-9a-f]{24}$/.test(page.url())) return;
    assert.ok(Date.now() < deadline, "the ticket never became purchasable");
    await page.getByText("cannot be bought yet").waitFor();
    await page.waitForTimeout(300);
  }
}

function listingOf(page, title) {
  return page.locator("section.listing-item").filter({ has: page.getByRole("heading", { name: title, exact: true }) });
}

function toSeconds(text) {
  const [minutes, seconds] = text.trim().split(":").map(Number);
  return minutes * 60 + seconds;
}
