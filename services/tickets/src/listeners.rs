//! What the tickets service does when orders change: `order:created` locks the ticket,
//! `order:cancelled` puts it back on sale, `order:completed` marks it sold. Each change
//! bumps the ticket's version and announces `ticket:updated`.

use std::marker::PhantomData;

use bus::{
    EventBus, EventError, HandlerError, Listener, ListenerHandle, RetryPolicy, spawn_listener,
};
use marketplace::{
    events::{Event, OrderCancelled, OrderCompleted, OrderCreated},
    id::{OrderId, TicketId},
};

use crate::tickets::{Applied, Tickets};

/// Durable consumers are named after the service, so its replicas share them.
pub(crate) const SERVICE: &str = "tickets";

pub(crate) async fn spawn_all(
    bus: &EventBus,
    tickets: &Tickets,
) -> Result<Vec<ListenerHandle>, EventError> {
    Ok(vec![
        spawn::<OrderCreated>(bus, tickets).await?,
        spawn::<OrderCancelled>(bus, tickets).await?,
        spawn::<OrderCompleted>(bus, tickets).await?,
    ])
}

async fn spawn<E: TicketChange>(
    bus: &EventBus,
    tickets: &Tickets,
) -> Result<ListenerHandle, EventError> {
    let listener = ChangeTicket::<E>(tickets.clone(), PhantomData);
    spawn_listener(bus, SERVICE, listener, RetryPolicy::default()).await
}

/// What an order event does to its ticket.
enum Change {
    Lock,
    Unlock,
    MarkSold,
}

/// An order event that changes the ticket it names.
trait TicketChange: Event {
    const CHANGE: Change;
    fn order_id(&self) -> OrderId;
    fn ticket_id(&self) -> TicketId;
}

impl TicketChange for OrderCreated {
    const CHANGE: Change = Change::Lock;
    fn order_id(&self) -> OrderId {
        self.id
    }
    fn ticket_id(&self) -> TicketId {
        self.ticket.id
    }
}

impl TicketChange for OrderCancelled {
    const CHANGE: Change = Change::Unlock;
    fn order_id(&self) -> OrderId {
        self.id
    }
    fn ticket_id(&self) -> TicketId {
        self.ticket.id
    }
}

impl TicketChange for OrderCompleted {
    const CHANGE: Change = Change::MarkSold;
    fn order_id(&self) -> OrderId {
        self.id
    }
    fn ticket_id(&self) -> TicketId {
        self.ticket.id
    }
}

struct ChangeTicket<E>(Tickets, PhantomData<fn(E)>);

impl<E: TicketChange> Listener for ChangeTicket<E> {
    type Event = E;

    async fn handle(&self, event: E) -> Result<(), HandlerError> {
        let ticket = event.ticket_id();
        let order = event.order_id();
        let applied = match E::CHANGE {
            Change::Lock => self.0.lock(ticket, order).await?,
            Change::Unlock => self.0.unlock(ticket, order).await?,
            Change::MarkSold => self.0.mark_sold(ticket, order).await?,
        };
        match applied {
            Applied::Changed | Applied::AlreadyDone => Ok(()),
            // The other order's release is on its way (it travels on another subject).
            Applied::HeldByAnotherOrder => {
                Err(HandlerError::not_yet("another order holds the ticket"))
            }
            // A ticket we never had will not appear: retrying ends in the dead-letter count.
            Applied::NoSuchTicket => Err(HandlerError::from("no such ticket")),
        }
    }
}
