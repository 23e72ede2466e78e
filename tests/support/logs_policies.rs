//! CloudWatch Logs account policies in front of the emulator: moto 5.2.5 does not implement
//! PutAccountPolicy, DescribeAccountPolicies or DeleteAccountPolicy (it answers 500), so this
//! server answers those three as CloudWatch Logs documents them — one subscription filter
//! policy per account and Region (another name is refused with LimitExceededException),
//! ResourceNotFoundException for a policy that is not there — and relays every other request
//! to the emulator.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::io::BufReader;
use tokio::net::TcpListener;

use super::http::{Request, read_request, relay, write_response};

type Policies = Arc<Mutex<BTreeMap<String, Value>>>;

/// The running server.
pub struct LogsPolicies {
    addr: SocketAddr,
    policies: Policies,
    puts: Arc<Mutex<usize>>,
}

impl LogsPolicies {
    /// Starts it in front of `upstream` (the emulator's URL), with no policy.
    pub async fn start(upstream: String) -> LogsPolicies {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (policies, puts) = (Policies::default(), Arc::new(Mutex::new(0)));
        let (state, count) = (policies.clone(), puts.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::builder().no_proxy().build().unwrap();
            while let Ok((stream, _)) = listener.accept().await {
                let (client, upstream, state, count) = (client.clone(), upstream.clone(), state.clone(), count.clone());
                tokio::spawn(async move {
                    let mut conn = BufReader::new(stream);
                    while let Some(request) = read_request(&mut conn).await {
                        let json = vec![("content-type".to_owned(), "application/x-amz-json-1.1".to_owned())];
                        let (status, headers, body) = match answer(&request, &state, &count) {
                            Some((status, body)) => (status, json, body),
                            None => match relay(&client, &upstream, &request).await {
                                Some(answer) => answer,
                                None => return,
                            },
                        };
                        let headers: Vec<(&str, String)> = headers
                            .iter()
                            .filter(|(n, _)| {
                                !["content-length", "transfer-encoding", "connection"].contains(&n.as_str())
                            })
                            .map(|(n, v)| (n.as_str(), v.clone()))
                            .collect();
                        if !write_response(&mut conn, status, &headers, &body).await {
                            return;
                        }
                    }
                });
            }
        });
        LogsPolicies { addr, policies, puts }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The policies held, by name.
    pub fn policies(&self) -> BTreeMap<String, Value> {
        self.policies.lock().unwrap().clone()
    }

    /// How many PutAccountPolicy requests succeeded.
    pub fn puts(&self) -> usize {
        *self.puts.lock().unwrap()
    }

    /// Holds `name` sending to `destination`, as another consumer would have put it.
    pub fn seed(&self, name: &str, destination: &str) {
        let document = json!({ "DestinationArn": destination, "FilterPattern": "" }).to_string();
        self.policies.lock().unwrap().insert(name.to_owned(), policy(name, &document, None));
    }
}

fn policy(name: &str, document: &str, criteria: Option<&str>) -> Value {
    let mut policy = json!({
        "policyName": name,
        "policyDocument": document,
        "policyType": "SUBSCRIPTION_FILTER_POLICY",
        "scope": "ALL",
        "accountId": "123456789012",
        "lastUpdatedTime": 1_795_953_900_000_i64,
    });
    if let Some(criteria) = criteria {
        policy["selectionCriteria"] = criteria.into();
    }
    policy
}

fn error(kind: &str, message: &str) -> (u16, Vec<u8>) {
    (400, json!({ "__type": kind, "message": message }).to_string().into_bytes())
}

/// The answer to an account-policy request; `None` for any other.
fn answer(request: &Request, state: &Policies, puts: &Mutex<usize>) -> Option<(u16, Vec<u8>)> {
    let target = request.headers.get("x-amz-target")?.strip_prefix("Logs_20140328.")?;
    let input: Value = serde_json::from_slice(&request.body).unwrap_or_default();
    let name = input["policyName"].as_str().unwrap_or_default();
    let mut policies = state.lock().unwrap();
    let ok = |body: Value| Some((200, body.to_string().into_bytes()));
    match target {
        "DescribeAccountPolicies" => ok(json!({ "accountPolicies": policies.values().collect::<Vec<_>>() })),
        "PutAccountPolicy" => {
            if input["policyType"] != "SUBSCRIPTION_FILTER_POLICY" {
                return Some(error("InvalidParameterException", "only subscription filter policies here"));
            }
            if policies.keys().any(|other| other != name) {
                return Some(error("LimitExceededException", "Resource limit exceeded."));
            }
            let document = input["policyDocument"].as_str().unwrap_or_default();
            let held = policy(name, document, input["selectionCriteria"].as_str());
            policies.insert(name.to_owned(), held.clone());
            *puts.lock().unwrap() += 1;
            ok(json!({ "accountPolicy": held }))
        }
        "DeleteAccountPolicy" => match policies.remove(name) {
            Some(_) => ok(json!({})),
            None => Some(error("ResourceNotFoundException", "Policy does not exist.")),
        },
        _ => None,
    }
}
