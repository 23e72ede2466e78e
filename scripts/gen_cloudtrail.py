#!/usr/bin/env python3
"""Writes a deterministic, realistic CloudTrail log file of about SIZE_MB MiB (uncompressed),
gzip level 6 like CloudTrail, streamed: `gen_cloudtrail.py SIZE_MB OUT_DIR`. Records vary in
size (about 0.6-6 KB), identity type, event, source address (IPv4, IPv6, service name),
~10 % carry an errorCode and ~2 % non-ASCII text. Prints the file path."""
import datetime
import gzip
import json
import os
import random
import sys

size_mb, out_dir = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(20261124)
now = datetime.datetime.now(datetime.timezone.utc)
account = "123456789012"
events = [("s3.amazonaws.com", n) for n in ("GetObject", "PutObject", "ListObjects", "HeadObject", "DeleteObject")] + [
    ("ec2.amazonaws.com", n) for n in ("DescribeInstances", "RunInstances", "DescribeSecurityGroups", "CreateTags")] + [
    ("iam.amazonaws.com", n) for n in ("CreateAccessKey", "AttachRolePolicy", "ListUsers")] + [
    ("sts.amazonaws.com", "AssumeRole"), ("kms.amazonaws.com", "Decrypt"), ("secretsmanager.amazonaws.com", "GetSecretValue"),
    ("signin.amazonaws.com", "ConsoleLogin"), ("lambda.amazonaws.com", "Invoke")]
words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango".split()
agents = ["aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#arm64 api/s3#1.58.2",
          "Boto3/1.35.10 md/Botocore#1.35.10 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.12.5",
          "aws-cli/2.17.40 md/awscrt#0.21.2 ua/2.0 os/macos#23.6.0 md/arch#arm64 lang/python#3.11.9",
          "console.amazonaws.com", "AWS Internal"]


def hexid(n):
    return "".join(rnd.choice("0123456789abcdef") for _ in range(n))


def identity(i):
    kind = rnd.random()
    if kind < 0.55:
        user = rnd.choice(words) + ("-Zoë" if rnd.random() < 0.02 else "")
        return {"type": "IAMUser", "principalId": "AIDA" + hexid(16).upper(), "arn": f"arn:aws:iam::{account}:user/{user}",
                "accountId": account, "accessKeyId": "AKIA" + hexid(16).upper(), "userName": user}
    if kind < 0.9:
        session = "i-0" + hexid(16) if rnd.random() < 0.5 else rnd.choice(words) + "-session"
        role = rnd.choice(words) + "-role"
        return {"type": "AssumedRole", "principalId": f"AROA{hexid(16).upper()}:{session}",
                "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}", "accountId": account,
                "accessKeyId": "ASIA" + hexid(16).upper(),
                "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROA" + hexid(16).upper(),
                                                     "arn": f"arn:aws:iam::{account}:role/{role}", "accountId": account, "userName": role},
                                   "attributes": {"creationDate": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "mfaAuthenticated": "false"}}}
    return {"type": "AWSService", "invokedBy": rnd.choice(["ec2.amazonaws.com", "lambda.amazonaws.com", "cloudtrail.amazonaws.com"])}


def source_ip():
    r = rnd.random()
    if r < 0.7:
        return f"{rnd.randint(1, 223)}.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}.{rnd.randint(1, 254)}"
    if r < 0.85:
        return "2001:db8:" + ":".join(hexid(4) for _ in range(6))
    return rnd.choice(["ec2.amazonaws.com", "lambda.amazonaws.com", "AWS Internal"])


def record(i):
    source, name = rnd.choice(events)
    t = (now - datetime.timedelta(seconds=rnd.randint(0, 3000))).strftime("%Y-%m-%dT%H:%M:%SZ")
    params = {"bucketName": f"{rnd.choice(words)}-{rnd.choice(words)}-data", "key": "/".join(rnd.choice(words) for _ in range(rnd.randint(2, 8))) + f"/{hexid(12)}.parquet"}
    if rnd.random() < 0.3:
        params["filters"] = [{"name": rnd.choice(words), "values": [hexid(8) for _ in range(rnd.randint(1, 30))]} for _ in range(rnd.randint(1, 8))]
    response = None if rnd.random() < 0.5 else {"requestId": hexid(32), "items": [{"id": "i-0" + hexid(16), "state": rnd.choice(words), "tags": {rnd.choice(words): rnd.choice(words) for _ in range(rnd.randint(0, 6))}} for _ in range(rnd.randint(0, 12))]}
    r = {"eventVersion": "1.09", "userIdentity": identity(i), "eventTime": t, "eventSource": source, "eventName": name,
         "awsRegion": rnd.choice(["us-east-1", "us-east-1", "eu-west-1", "ap-northeast-1"]), "sourceIPAddress": source_ip(),
         "userAgent": rnd.choice(agents), "requestParameters": params, "responseElements": response,
         "additionalEventData": {"SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256", "bytesTransferredIn": rnd.randint(0, 10**6)},
         "requestID": hexid(16).upper(), "eventID": f"{hexid(8)}-{hexid(4)}-{hexid(4)}-{hexid(4)}-{hexid(12)}",
         "readOnly": name.startswith(("Get", "List", "Describe", "Head")), "eventType": "AwsApiCall", "managementEvent": source != "s3.amazonaws.com",
         "recipientAccountId": account, "eventCategory": "Data" if source == "s3.amazonaws.com" else "Management",
         "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": f"{source.split('.')[0]}.us-east-1.amazonaws.com"}}
    if rnd.random() < 0.1:
        r["errorCode"] = rnd.choice(["AccessDenied", "Client.UnauthorizedOperation", "ThrottlingException", "NoSuchKey"])
        r["errorMessage"] = "User is not authorized to perform this operation on " + params["key"]
    if rnd.random() < 0.02:
        r["requestParameters"]["description"] = "東京のデータ — résumé ünïcödé ✓"
    return json.dumps(r, ensure_ascii=False, separators=(",", ":"))


folder = os.path.join(out_dir, f"AWSLogs/{account}/CloudTrail/us-east-1/2026/11/24")
os.makedirs(folder, exist_ok=True)
path = os.path.join(folder, f"{account}_CloudTrail_us-east-1_20261124T1200Z_Bench{size_mb:07d}MiB0.json.gz")
target = size_mb * 1024 * 1024
written = count = 0
with gzip.open(path, "wt", compresslevel=6, encoding="utf-8") as out:
    out.write('{"Records":[')
    while written < target:
        text = record(count)
        out.write(("," if count else "") + text)
        written += len(text.encode()) + 1
        count += 1
    out.write("]}\n")
print(path)
print(f"{count} records, {written} bytes raw, {os.path.getsize(path)} bytes gzip", file=sys.stderr)
