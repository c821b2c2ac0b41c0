//! Storing accepted callbacks: once each, in batches, by one writer task.

use std::time::Duration;

use sqlx::{QueryBuilder, Sqlite, SqlitePool, pool::PoolConnection};
use tokio::sync::{mpsc, oneshot};

use crate::wechat::callback::Callback;

/// A verified callback, ready to store.
#[derive(Debug, Clone)]
pub struct CallbackRecord {
    /// The account whose URL it came to.
    pub account_id: i64,
    pub dedup_key: String,
    pub mode: Mode,
    pub msg_type: String,
    pub event: Option<String>,
    pub msg_id: Option<i64>,
    pub xml: String,
    /// Serialised to JSON by the writer task, off the request's path.
    pub parsed: Callback,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Plaintext,
    Safe,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Plaintext => "plaintext",
            Mode::Safe => "safe",
        }
    }
}

impl CallbackRecord {
    pub fn new(account_id: i64, callback: Callback, xml: String, mode: Mode) -> Self {
        // Only the two columns are copied, not the whole header.
        let event = callback.event();
        let msg_type = event.msg_type.clone().unwrap_or_default();
        let event_name = event.event.clone();
        let msg_id = match &callback {
            Callback::MassSendJobFinish(finish) => i64::try_from(finish.result.msg_id.get()).ok(),
            Callback::Other(_) => None,
        };
        // Account 1 keeps the keys an earlier release stored, so a retry of
        // a callback stored before the upgrade is still known; another
        // account's keys carry its id, since the column is unique.
        let dedup_key = match account_id {
            1 => callback.dedup_key(),
            other => format!("{other}/{}", callback.dedup_key()),
        };
        CallbackRecord {
            account_id,
            dedup_key,
            mode,
            msg_type,
            event: event_name,
            msg_id,
            xml,
            parsed: callback,
        }
    }
}

/// Most rows one transaction takes; beyond it the next batch starts.
const MAX_BATCH: usize = 512;

type Job = (CallbackRecord, oneshot::Sender<Result<(), String>>);

/// Hands records to the writer task and waits until they are committed.
#[derive(Clone)]
pub struct CallbackWriter {
    jobs: mpsc::Sender<Job>,
}

impl CallbackWriter {
    /// Starts the writer task on `pool`. It ends when every writer handle
    /// is dropped, after storing what it was given, or when the pool closes.
    pub fn start(pool: SqlitePool) -> CallbackWriter {
        let (jobs, queue) = mpsc::channel(8 * MAX_BATCH);
        tokio::spawn(write_batches(pool, queue));
        CallbackWriter { jobs }
    }

    /// Stores `record` unless a record with its key exists already. Returns
    /// once the row is durable (or was there before).
    pub async fn store(&self, record: CallbackRecord) -> Result<(), String> {
        let (done, committed) = oneshot::channel();
        self.jobs
            .send((record, done))
            .await
            .map_err(|_| "the callback writer has stopped".to_owned())?;
        committed
            .await
            .map_err(|_| "the callback writer has stopped".to_owned())?
    }
}

async fn write_batches(pool: SqlitePool, mut queue: mpsc::Receiver<Job>) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    // One connection kept for the writer: taking one from the pool for each
    // batch would cost a ping to SQLite's thread each time, and each batch
    // size's statement stays prepared on it.
    let mut conn: Option<PoolConnection<Sqlite>> = None;
    // Closing the pool waits for every connection: this one is given back
    // when the pool starts to close (the server has stopped by then).
    let closing = pool.close_event();
    tokio::pin!(closing);
    loop {
        let received = tokio::select! {
            received = queue.recv_many(&mut batch, MAX_BATCH) => received,
            _ = &mut closing => 0,
        };
        if received == 0 {
            return;
        }
        // Let the requests already being handled join this batch: each
        // commit writes its pages once, however many rows it holds.
        tokio::task::yield_now().await;
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let result = insert_batch(&pool, &mut conn, &batch).await;
        if let Err(error) = &result {
            tracing::error!(error = %error, rows = batch.len(), "storing callbacks failed");
        }
        for (_, done) in batch.drain(..) {
            let _ = done.send(result.clone());
        }
    }
}

async fn insert_batch(
    pool: &SqlitePool,
    conn: &mut Option<PoolConnection<Sqlite>>,
    batch: &[Job],
) -> Result<(), String> {
    // A locked database (a backup, a long write) is waited out briefly.
    let mut attempt = 0;
    loop {
        let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO callbacks (account_id, dedup_key, mode, msg_type, event, msg_id, xml, parsed) ",
        );
        insert.push_values(batch, |mut row, (record, _)| {
            // Serialising our own plain data types cannot fail.
            let parsed = serde_json::to_string(&record.parsed).unwrap_or_default();
            row.push_bind(record.account_id)
                .push_bind(&record.dedup_key)
                .push_bind(record.mode.as_str())
                .push_bind(&record.msg_type)
                .push_bind(&record.event)
                .push_bind(record.msg_id)
                .push_bind(&record.xml)
                .push_bind(parsed);
        });
        insert.push(" ON CONFLICT (dedup_key) DO NOTHING");
        let outcome = match conn {
            Some(held) => insert.build().execute(&mut **held).await,
            None => match pool.acquire().await {
                Ok(mut fresh) => {
                    let outcome = insert.build().execute(&mut *fresh).await;
                    *conn = Some(fresh);
                    outcome
                }
                Err(error) => Err(error),
            },
        };
        match outcome {
            Ok(_) => return Ok(()),
            Err(error) => {
                // The next try starts from a fresh connection.
                *conn = None;
                if attempt >= 3 {
                    return Err(error.to_string());
                }
                attempt += 1;
                tracing::warn!(error = %error, attempt, "storing callbacks: retrying");
                tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
            }
        }
    }
}

/// Rows one deletion takes: the callback writer waits at most one batch.
const DELETE_BATCH: i64 = 1000;

/// Deletes the callbacks other than MASSSENDJOBFINISH (followers' messages
/// and events, with their OpenIDs) stored more than `retention` ago. A
/// MASSSENDJOBFINISH is how a send knows its end, and is kept with it.
/// The newest row is always kept: SQLite gives a new row the highest id
/// plus one, and the send worker finds new callbacks by a rising id.
/// Returns how many were deleted.
pub async fn delete_expired(db: &SqlitePool, retention: Duration) -> Result<u64, sqlx::Error> {
    let before = format!("-{} seconds", retention.as_secs());
    let mut deleted = 0;
    loop {
        let done = sqlx::query!(
            r#"DELETE FROM callbacks WHERE id IN (
                   SELECT id FROM callbacks
                   WHERE upper(coalesce(event, '')) <> 'MASSSENDJOBFINISH'
                     AND received_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?1)
                     AND id < (SELECT max(id) FROM callbacks)
                   LIMIT ?2)"#,
            before,
            DELETE_BATCH,
        )
        .execute(db)
        .await?
        .rows_affected();
        deleted += done;
        if done < DELETE_BATCH as u64 {
            return Ok(deleted);
        }
    }
}
