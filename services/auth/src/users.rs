//! The users collection: one document per user, email unique.

use marketplace::id::UserId;
use mongodb::{
    Collection, Database,
    bson::{DateTime, doc},
};
use serde::{Deserialize, Serialize};
use storage::collections::unique_index;

use crate::domain::{Email, PasswordHash};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct User {
    #[serde(rename = "_id", with = "marketplace::id::object_id")]
    pub id: UserId,
    pub email: Email,
    pub password_hash: PasswordHash,
    pub created_at: DateTime,
}

/// Why a user could not be created.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CreateError {
    #[error("email in use")]
    EmailInUse,
    #[error(transparent)]
    Database(#[from] mongodb::error::Error),
}

#[derive(Clone)]
pub(crate) struct Users {
    collection: Collection<User>,
}

impl Users {
    pub fn new(database: &Database) -> Self {
        Self {
            collection: database.collection("users"),
        }
    }

    /// The unique index is what keeps emails unique under concurrent signups; a
    /// check-then-insert would race.
    pub async fn ensure_indexes(&self) -> mongodb::error::Result<()> {
        let unique_email = unique_index(doc! { "email": 1 }, "email_unique");
        self.collection.create_index(unique_email).await?;
        Ok(())
    }

    pub async fn create(
        &self,
        email: Email,
        password_hash: PasswordHash,
    ) -> Result<User, CreateError> {
        let user = User {
            id: UserId::new(),
            email,
            password_hash,
            created_at: DateTime::now(),
        };
        match self.collection.insert_one(&user).await {
            Ok(_) => Ok(user),
            Err(error) if storage::mongo::is_duplicate_key(&error) => Err(CreateError::EmailInUse),
            Err(error) => Err(error.into()),
        }
    }

    pub async fn find_by_email(&self, email: &Email) -> mongodb::error::Result<Option<User>> {
        self.collection
            .find_one(doc! { "email": email.as_str() })
            .await
    }
}
