use httpkit::{Error, session::UserClaims};
use marketplace::id::OrderId;

use crate::orders::{Order, Orders};

/// The order, if it exists and belongs to the user: 404 if it does not exist, 401 if
/// it is someone else's.
pub(crate) async fn owned_order(
    orders: &Orders,
    id: OrderId,
    user: &UserClaims,
) -> Result<Order, Error> {
    let order = orders.find(id).await?.ok_or(Error::NotFound)?;
    if order.user_id != user.id {
        return Err(Error::NotAuthorized);
    }
    Ok(order)
}
