//! The claim checks: a user's handle, username, phone and identity claims from the user's side,
//! and each claim item from the claim's side (it must name a user that holds what it claims),
//! with the other items of a handle's partition (pending resets, invites, tries counters). Apart
//! from the item rules because every claim kind has the same two-ended shape.

use super::{Checker, Found};
use crate::domain::admin::doctor::finding::Problem;
use crate::domain::common::one_time_code::{MAX_TRIES, MAX_TRIES_IN_ALL};
use crate::domain::common::phone_claim::phone_digest;
use crate::domain::common::reset_code::PendingReset;
use crate::domain::invites::rules::{ADMIN_SENDER, CODE_TRIES_PER_DAY, Invite};
use crate::domain::records::table_keys::{self, INVITE_PREFIX};
use crate::domain::records::user::User;
use crate::error::Result;
use crate::store::Item;

impl Checker<'_> {
    /// A user's claims, from the user's side: each one the user's record implies must exist
    /// and name this user.
    pub(super) async fn user_claims(&mut self, user: &User, item: &Item) -> Result<()> {
        let app = &user.app_id;
        let mut wanted = vec![(
            table_keys::handle_claim(app, &user.handle),
            Problem::HandleClaimMissing,
            Problem::HandleClaimElsewhere,
            "handle",
        )];
        if let Some(name) = &user.user_name {
            wanted.push((
                table_keys::user_name_claim(app, name),
                Problem::UserNameClaimMissing,
                Problem::UserNameClaimElsewhere,
                "username",
            ));
        }
        if let (Some(phone), true) = (&user.two_factor.phone, user.two_factor.phone_verified) {
            wanted.push((
                table_keys::phone_claim(app, &phone_digest(self.state, phone)),
                Problem::PhoneClaimMissing,
                Problem::PhoneClaimElsewhere,
                "verified phone",
            ));
        }
        if let Some(id) = &user.social {
            wanted.push((
                table_keys::identity_claim(app, id.provider.as_str(), &id.sub),
                Problem::IdentityClaimMissing,
                Problem::IdentityClaimElsewhere,
                "identity",
            ));
        }
        for (key, missing, elsewhere, what) in wanted {
            let holder = self.state.store.get(&key).await?.map(|claim| {
                claim
                    .data
                    .get("userId")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
            });
            match holder {
                None => self.report(
                    missing,
                    item,
                    format!(
                        "user {}: no claim on its {what} ({} / {})",
                        user.user_id, key.pk, key.sk
                    ),
                ),
                Some(Some(id)) if id == user.user_id => {}
                Some(other) => self.report(
                    elsewhere,
                    item,
                    format!(
                        "user {}: the claim on its {what} names {}",
                        user.user_id,
                        other.as_deref().unwrap_or("nobody")
                    ),
                ),
            }
        }
        Ok(())
    }

    /// A claim's side of a uniqueness invariant: its user must exist and hold what it claims.
    pub(super) async fn claim_holds(
        &mut self,
        item: &Item,
        orphan: Problem,
        holds: impl Fn(&User) -> bool,
    ) -> Result<()> {
        let Some(user_id) = self.claimant(item) else {
            return Ok(());
        };
        match self.user(&user_id).await? {
            Found::Missing => self.report(orphan, item, format!("user {user_id} does not exist")),
            Found::User(user) if !holds(&user) => self.report(
                orphan,
                item,
                format!("user {user_id} does not hold what this claims"),
            ),
            Found::User(_) | Found::Unreadable(_) => {}
        }
        Ok(())
    }

    /// Everything keyed to a handle: its claim, pending signup, reset and invites, and their
    /// code counters.
    pub(super) async fn handle_item(&mut self, app: &str, handle: &str, item: &Item) -> Result<()> {
        let sk = item.key.sk.clone();
        match sk.as_str() {
            "HANDLE" => {
                let (app, handle) = (app.to_owned(), handle.to_owned());
                self.claim_holds(item, Problem::HandleClaimOrphan, move |u| {
                    u.app_id == app && u.handle == handle
                })
                .await?;
            }
            "SIGNUP" => self.expires(item),
            "RESET" => {
                self.decode::<PendingReset>(item, "pending reset");
                self.expires(item);
            }
            s if s.starts_with(INVITE_PREFIX) => {
                self.expires(item);
                if let Some(invite) = self.decode::<Invite>(item, "invite")
                    && invite.inviter != ADMIN_SENDER
                    && matches!(self.user(&invite.inviter).await?, Found::Missing)
                {
                    self.report(
                        Problem::InviteFromDeletedSender,
                        item,
                        format!("sender {} does not exist", invite.inviter),
                    );
                }
            }
            "SIGNUP#TRIES" => self.ceiling(item, MAX_TRIES_IN_ALL),
            "RESET#TRIES" => self.ceiling(item, MAX_TRIES),
            s if s.starts_with("INVITE#TRIES#") => self.ceiling(item, MAX_TRIES),
            "INVITE#DAY" => self.ceiling(item, CODE_TRIES_PER_DAY.max),
            "SIGNUP#DAY" | "RESET#DAY" | "LOGIN#TRIES" => {}
            s if s.starts_with("LOGIN#FROM#") => {}
            _ => self.unknown(item),
        }
        Ok(())
    }

    pub(super) async fn user_name_claim(
        &mut self,
        app: &str,
        name: &str,
        item: &Item,
    ) -> Result<()> {
        if item.key.sk != "USERNAME" {
            self.unknown(item);
            return Ok(());
        }
        let (app, name) = (app.to_owned(), name.to_owned());
        self.claim_holds(item, Problem::UserNameClaimOrphan, move |u| {
            u.app_id == app && u.user_name.as_deref() == Some(name.as_str())
        })
        .await
    }

    /// A phone number's partition: its claim (whose user must have verified that number) and
    /// its text counters.
    pub(super) async fn phone_item(&mut self, app: &str, digest: &str, item: &Item) -> Result<()> {
        match item.key.sk.as_str() {
            "PHONE" => {
                let state = self.state;
                let (app, digest) = (app.to_owned(), digest.to_owned());
                self.claim_holds(item, Problem::PhoneClaimOrphan, move |u| {
                    u.app_id == app
                        && u.two_factor.phone_verified
                        && u.two_factor
                            .phone
                            .as_deref()
                            .is_some_and(|p| phone_digest(state, p) == digest)
                })
                .await
            }
            "SMS#SENT" | "SMS#VERIFIED" => Ok(()),
            _ => {
                self.unknown(item);
                Ok(())
            }
        }
    }

    pub(super) async fn identity_claim(&mut self, app: &str, id: &str, item: &Item) -> Result<()> {
        let Some((provider, sub)) = id.split_once('#').filter(|_| item.key.sk == "IDENTITY") else {
            self.unknown(item);
            return Ok(());
        };
        let (app, provider, sub) = (app.to_owned(), provider.to_owned(), sub.to_owned());
        self.claim_holds(item, Problem::IdentityClaimOrphan, move |u| {
            u.app_id == app
                && u.social
                    .as_ref()
                    .is_some_and(|s| s.provider.as_str() == provider && s.sub == sub)
        })
        .await
    }
}
