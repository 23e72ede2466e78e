//! S3 Batch Operations `LambdaInvoke` tasks, invocation schemas `1.0` (`s3BucketArn`) and
//! `2.0` (`s3Bucket`, `job.userArguments`): the objects to read, the per-job settings, and
//! the response Batch Operations expects (one result per task).
//!
//! Keys arrive as they are in the manifest, URL-encoded: they are percent-decoded, and the
//! form-encoded reading (`+` for a space) is tried when S3 does not know the first one.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::s3_notification::{ObjectRef, decode_key};

/// The `userArguments` a job may set, and what each does.
pub const ALLOWED_ARGUMENTS: &[&str] = &["DD_TAGS"];

/// One Batch Operations invocation: its tasks (one object each, in practice one task).
#[derive(Debug)]
pub struct BatchJob {
    /// `invocationSchemaVersion`, echoed in the response.
    pub schema_version: String,
    /// `invocationId`, echoed in the response.
    pub invocation_id: String,
    /// `job.id`, for our logs.
    pub job_id: String,
    /// The job's settings from `userArguments` (schema 2.0), or why they are refused.
    pub arguments: Result<JobArguments, String>,
    /// The tasks.
    pub tasks: Vec<BatchTask>,
}

/// Per-job settings allowed in `userArguments`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct JobArguments {
    /// `DD_TAGS`: tags added to the function's own `DD_TAGS` for this job's logs (for instance
    /// `backfill:2026-11`).
    pub extra_tags: Option<String>,
}

/// One task: an object to read, or why it cannot be named.
#[derive(Debug)]
pub struct BatchTask {
    /// `taskId`, echoed in the response.
    pub task_id: String,
    /// The object (`s3VersionId` pins the version), or what is wrong with the task.
    pub object: Result<ObjectRef, String>,
}

/// What became of a task, as Batch Operations reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultCode {
    /// Done: every record accepted or dropped on purpose.
    Succeeded,
    /// A retry can succeed (intake unavailable or throttling, deadline, S3 5xx): Batch
    /// Operations retries the task.
    TemporaryFailure,
    /// No retry can succeed (missing object, access or KMS denied, refused, too large).
    PermanentFailure,
}

impl ResultCode {
    /// The name Batch Operations expects.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "Succeeded",
            Self::TemporaryFailure => "TemporaryFailure",
            Self::PermanentFailure => "PermanentFailure",
        }
    }
}

/// A payload that looks like a Batch Operations invocation but cannot be answered.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("unreadable S3 Batch Operations invocation: {0}")]
pub struct BatchPayloadError(String);

#[derive(Deserialize)]
struct Payload {
    #[serde(rename = "invocationSchemaVersion")]
    schema_version: String,
    #[serde(rename = "invocationId")]
    invocation_id: String,
    #[serde(default)]
    job: Job,
    tasks: Vec<Task>,
}

#[derive(Deserialize, Default)]
struct Job {
    #[serde(default)]
    id: Option<String>,
    #[serde(rename = "userArguments", default)]
    user_arguments: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
struct Task {
    #[serde(rename = "taskId")]
    task_id: String,
    #[serde(rename = "s3Key")]
    key: Option<String>,
    #[serde(rename = "s3VersionId", default)]
    version_id: Option<String>,
    #[serde(rename = "s3BucketArn", default)]
    bucket_arn: Option<String>,
    #[serde(rename = "s3Bucket", default)]
    bucket: Option<String>,
}

/// Reads a Batch Operations invocation payload.
pub fn parse(payload: &[u8]) -> Result<BatchJob, BatchPayloadError> {
    let payload: Payload = serde_json::from_slice(payload).map_err(|err| BatchPayloadError(err.to_string()))?;
    if !matches!(payload.schema_version.as_str(), "1.0" | "2.0") {
        return Err(BatchPayloadError(format!(
            "invocationSchemaVersion {:?} (1.0 and 2.0 are supported)",
            payload.schema_version
        )));
    }
    let tasks = payload.tasks.into_iter().map(task).collect();
    Ok(BatchJob {
        schema_version: payload.schema_version,
        invocation_id: payload.invocation_id,
        job_id: payload.job.id.unwrap_or_default(),
        arguments: arguments(payload.job.user_arguments.unwrap_or_default()),
        tasks,
    })
}

fn task(task: Task) -> BatchTask {
    let bucket = task.bucket.or_else(|| task.bucket_arn.as_deref().map(bucket_of_arn));
    let object = match (bucket, task.key) {
        (Some(bucket), Some(key)) if !bucket.is_empty() && !key.is_empty() => {
            Ok(manifest_object(&bucket, &key, task.version_id.as_deref()))
        }
        _ => Err("the task names no bucket (s3Bucket or s3BucketArn) or no s3Key".to_owned()),
    };
    BatchTask { task_id: task.task_id, object }
}

/// The object a manifest line (or a task, which carries it as is) names: the key
/// percent-decoded, its form-encoded reading (`+` for a space) to try when S3 does not know
/// the first, and the version when one is given.
pub fn manifest_object(bucket: &str, encoded_key: &str, version_id: Option<&str>) -> ObjectRef {
    let key = percent_encoding::percent_decode_str(encoded_key).decode_utf8_lossy().into_owned();
    let form = decode_key(encoded_key);
    let fallback_key = (form != key).then_some(form);
    let version_id = version_id.filter(|v| !v.is_empty() && *v != "null").map(str::to_owned);
    ObjectRef { fallback_key, version_id, ..ObjectRef::new(bucket, key) }
}

/// `arn:aws:s3:::bucket` → `bucket` (a plain name is kept).
fn bucket_of_arn(arn: &str) -> String {
    arn.rsplit_once(":::").map_or(arn, |(_, bucket)| bucket).to_owned()
}

fn arguments(user_arguments: BTreeMap<String, String>) -> Result<JobArguments, String> {
    let mut arguments = JobArguments::default();
    for (key, value) in user_arguments {
        match key.as_str() {
            "DD_TAGS" => arguments.extra_tags = Some(value),
            other => {
                return Err(format!(
                    "userArguments key {other:?} is not allowed (allowed: {})",
                    ALLOWED_ARGUMENTS.join(", ")
                ));
            }
        }
    }
    Ok(arguments)
}

/// The response for `job`: one result per task, in order. `resultString` is kept short for
/// the completion report.
pub fn response(job: &BatchJob, results: &[(ResultCode, String)]) -> serde_json::Value {
    let results: Vec<serde_json::Value> = job
        .tasks
        .iter()
        .zip(results)
        .map(|(task, (code, text))| {
            serde_json::json!({"taskId": task.task_id, "resultCode": code.as_str(), "resultString": short(text)})
        })
        .collect();
    serde_json::json!({
        "invocationSchemaVersion": job.schema_version,
        "treatMissingKeysAs": ResultCode::PermanentFailure.as_str(),
        "invocationId": job.invocation_id,
        "results": results,
    })
}

/// At most 512 characters: the completion report is a CSV for people.
fn short(text: &str) -> String {
    const MAX: usize = 512;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_1_0_names_the_bucket_by_arn_and_url_encodes_keys() {
        let job = parse(br#"{"invocationSchemaVersion":"1.0","invocationId":"inv","job":{"id":"j1"},
            "tasks":[{"taskId":"t1","s3Key":"AWSLogs/a%20b%2Bc%C3%A9.json.gz","s3VersionId":"v1","s3BucketArn":"arn:aws:s3:::trail"}]}"#)
        .unwrap();
        assert_eq!((job.schema_version.as_str(), job.job_id.as_str()), ("1.0", "j1"));
        let object = job.tasks[0].object.as_ref().unwrap();
        assert_eq!((object.bucket.as_str(), object.key.as_str()), ("trail", "AWSLogs/a b+cé.json.gz"));
        assert_eq!(object.version_id.as_deref(), Some("v1"));
        assert_eq!(object.fallback_key, None);
        assert_eq!(job.arguments, Ok(JobArguments::default()));
    }

    #[test]
    fn schema_2_0_reads_the_bucket_and_the_allowed_arguments() {
        let job = parse(br#"{"invocationSchemaVersion":"2.0","invocationId":"inv","job":{"id":"j2","userArguments":{"DD_TAGS":"backfill:2026-11"}},
            "tasks":[{"taskId":"t1","s3Bucket":"trail","s3Key":"a+b.json","s3VersionId":null}]}"#)
        .unwrap();
        let object = job.tasks[0].object.as_ref().unwrap();
        assert_eq!((object.key.as_str(), object.fallback_key.as_deref()), ("a+b.json", Some("a b.json")));
        assert_eq!(object.version_id, None);
        assert_eq!(job.arguments.unwrap().extra_tags.as_deref(), Some("backfill:2026-11"));
    }

    #[test]
    fn unknown_arguments_and_bad_tasks_are_named() {
        let job = parse(
            br#"{"invocationSchemaVersion":"2.0","invocationId":"inv","job":{"userArguments":{"DD_API_KEY":"x"}},
            "tasks":[{"taskId":"t1","s3Key":"k"}]}"#,
        )
        .unwrap();
        assert!(job.arguments.unwrap_err().contains("\"DD_API_KEY\" is not allowed (allowed: DD_TAGS)"));
        assert!(job.tasks[0].object.as_ref().unwrap_err().contains("no bucket"));
        let err = parse(br#"{"invocationSchemaVersion":"3.0","invocationId":"i","tasks":[]}"#).unwrap_err();
        assert!(err.to_string().contains("\"3.0\""), "{err}");
    }

    #[test]
    fn the_response_echoes_ids_and_keeps_strings_short() {
        let job = parse(br#"{"invocationSchemaVersion":"1.0","invocationId":"inv","tasks":[{"taskId":"t1","s3Key":"k","s3BucketArn":"arn:aws:s3:::b"}]}"#).unwrap();
        let response = response(&job, &[(ResultCode::TemporaryFailure, "x".repeat(2000))]);
        assert_eq!(response["invocationSchemaVersion"], "1.0");
        assert_eq!(response["treatMissingKeysAs"], "PermanentFailure");
        assert_eq!(response["invocationId"], "inv");
        assert_eq!(response["results"][0]["taskId"], "t1");
        assert_eq!(response["results"][0]["resultCode"], "TemporaryFailure");
        assert_eq!(response["results"][0]["resultString"].as_str().unwrap().chars().count(), 513);
    }
}
