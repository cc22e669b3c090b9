//! Typed ids: a [`TicketId`] is not an [`OrderId`], though both are 12-byte MongoDB
//! ObjectIds underneath. An id is parsed once where it enters (a path, a body, an
//! event) and then travels typed through documents, events and signatures, so passing
//! a user's id where an order's belongs does not compile.
//!
//! On the wire, in JSON and in every document field except `_id`, an id is its 24-hex
//! string, exactly as before ids were typed. A document's own `_id` is a BSON
//! ObjectId: such fields say `#[serde(with = "marketplace::id::object_id")]`, and
//! queries on them use [`Id::object_id`].

use std::{fmt, hash::Hash, marker::PhantomData, str::FromStr};

use bson::oid::ObjectId;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{
        RefOr,
        schema::{Object, Schema, Type},
    },
};

/// A kind of thing with an id of its own; its name appears in parse errors.
pub trait Entity: Copy + Eq + Ord + Hash + Send + Sync + 'static {
    const NAME: &'static str;
}

macro_rules! entities {
    ($($entity:ident $alias:ident $name:literal),* $(,)?) => {
        /// The kinds of entity with ids, as type parameters: `IdPath<entity::Order>`.
        pub mod entity {
            $(
                #[doc = concat!("A ", $name, ", the entity behind [`super::", stringify!($alias), "`].")]
                #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
                pub enum $entity {}

                impl super::Entity for $entity {
                    const NAME: &'static str = $name;
                }
            )*
        }

        $(
            #[doc = concat!("The id of a ", $name, ".")]
            pub type $alias = Id<entity::$entity>;
        )*
    };
}

entities! {
    Ticket TicketId "ticket",
    Order OrderId "order",
    User UserId "user",
    Payment PaymentId "payment",
}

/// The id of an `E`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id<E: Entity> {
    object_id: ObjectId,
    entity: PhantomData<fn() -> E>,
}

impl<E: Entity> Id<E> {
    /// A fresh id, unique across processes (an ObjectId's time, random and counter).
    #[allow(clippy::new_without_default)] // an id made up by default would be a surprise
    pub fn new() -> Self {
        Self::from(ObjectId::new())
    }

    /// The id as the `_id` of its own document.
    pub fn object_id(self) -> ObjectId {
        self.object_id
    }

    /// The 24-hex form, as the id travels on the wire and in other documents' fields.
    pub fn to_hex(self) -> String {
        self.object_id.to_hex()
    }
}

impl<E: Entity> From<ObjectId> for Id<E> {
    fn from(object_id: ObjectId) -> Self {
        Self {
            object_id,
            entity: PhantomData,
        }
    }
}

/// A string that is not 24 hex digits, where an `E`'s id was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid {entity} id: {raw:?}")]
pub struct InvalidId {
    pub entity: &'static str,
    pub raw: String,
}

/// Exactly 24 hex digits, either case; nothing around them.
impl<E: Entity> FromStr for Id<E> {
    type Err = InvalidId;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        ObjectId::parse_str(raw)
            .map(Self::from)
            .map_err(|_| InvalidId {
                entity: E::NAME,
                raw: raw.to_owned(),
            })
    }
}

impl<E: Entity> fmt::Display for Id<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.object_id, f)
    }
}

impl<E: Entity> fmt::Debug for Id<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Id({})", E::NAME, self.object_id)
    }
}

impl<E: Entity> Serialize for Id<E> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de, E: Entity> Deserialize<'de> for Id<E> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

/// Every kind of id has one schema, `Id`: what [`FromStr`] accepts.
impl<E: Entity> PartialSchema for Id<E> {
    fn schema() -> RefOr<Schema> {
        Object::builder()
            .schema_type(Type::String)
            .pattern(Some("^[0-9a-fA-F]{24}$"))
            .into()
    }
}

impl<E: Entity> ToSchema for Id<E> {
    fn name() -> std::borrow::Cow<'static, str> {
        "Id".into()
    }
}

/// Serde for a document's own `_id`, which MongoDB keeps as an ObjectId rather than
/// the hex string every other id field holds.
pub mod object_id {
    use super::*;

    pub fn serialize<E: Entity, S: Serializer>(
        id: &Id<E>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        id.object_id.serialize(serializer)
    }

    pub fn deserialize<'de, E: Entity, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Id<E>, D::Error> {
        ObjectId::deserialize(deserializer).map(Id::from)
    }
}

#[cfg(test)]
mod tests {
    use bson::{Bson, doc};

    use super::*;

    const HEX: &str = "65f1c0ffee00000000000001";

    #[test]
    fn an_id_travels_as_its_hex_string() {
        let id: TicketId = HEX.parse().unwrap();
        assert_eq!(serde_json::to_value(id).unwrap(), serde_json::json!(HEX));
        assert_eq!(serde_json::from_value::<TicketId>(HEX.into()).unwrap(), id);
        assert_eq!(id.to_string(), HEX);
        assert_eq!(format!("{id:?}"), format!("ticketId({HEX})"));
    }

    #[test]
    fn anything_but_24_hex_digits_is_refused_naming_the_entity() {
        for raw in [
            "",
            "65f1c0ffee0000000000000",
            "65f1c0ffee00000000000001 ",
            "zzf1c0ffee00000000000001",
        ] {
            let error = raw.parse::<OrderId>().unwrap_err();
            assert_eq!(error.entity, "order", "{raw:?}");
        }
        assert!(serde_json::from_value::<UserId>(serde_json::json!(12)).is_err());
        assert_eq!(
            "65F1C0FFEE00000000000001"
                .parse::<UserId>()
                .unwrap()
                .to_hex(),
            HEX
        );
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Document {
        #[serde(rename = "_id", with = "object_id")]
        id: TicketId,
        order_id: OrderId,
    }

    #[test]
    fn a_documents_own_id_is_an_object_id_and_other_ids_are_strings() {
        let document = Document {
            id: HEX.parse().unwrap(),
            order_id: HEX.parse().unwrap(),
        };
        let stored = bson::to_document(&document).unwrap();
        assert_eq!(
            stored,
            doc! { "_id": ObjectId::parse_str(HEX).unwrap(), "order_id": HEX }
        );
        assert!(matches!(stored.get("_id"), Some(Bson::ObjectId(_))));
        assert_eq!(bson::from_document::<Document>(stored).unwrap(), document);
    }
}
