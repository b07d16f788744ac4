"""Records, on a loopback server, the bodies and query strings the official SDK (tests/sdk/requirements.txt) sends
for the v5 and workflow calls, as seeds of the v5_bodies and workflow_bodies targets (docs/fuzzing.md):

    .venv-sdk/bin/python fuzz/record_sdk_seeds.py fuzz/corpus
"""
import json, os, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "sdk"))
import huaweicloudsdkdrs.v5 as v5
import huaweicloudsdkdrs.v3 as v3

OUT = sys.argv[1]
seen = []

class H(BaseHTTPRequestHandler):
    def _any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        seen.append((self.command, self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")
    do_GET = do_POST = do_PUT = do_DELETE = _any
    def log_message(self, *a): pass

srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
threading.Thread(target=srv.serve_forever, daemon=True).start()
ep = f"http://127.0.0.1:{srv.server_address[1]}"
cfg = HttpConfig.get_default_config(); cfg.retry_times = 0
cred = BasicCredentials("AK" * 10, "SK" * 20, "0123456789abcdef0123456789abcdef")
c5 = v5.DrsClient.new_builder().with_http_config(cfg).with_credentials(cred).with_endpoint(ep).build()
c3 = v3.DrsClient.new_builder().with_http_config(cfg).with_credentials(cred).with_endpoint(ep).build()

JOB = "0f3d9f5c-1c59-4d1e-9a34-5d4b2c1a0e77jb01"
JOB2 = "7a1c0b2e-93f4-4c8e-8d21-0e6f5a4b3c29jb01"

def rec(target, name, call, what="body"):
    seen.clear()
    try:
        call()
    except Exception as e:  # the reply {} may not parse as the response: the request is recorded already
        pass
    method, path, body = seen[-1]
    data = body if what == "body" else path.split("?", 1)[1].encode() if "?" in path else b""
    os.makedirs(f"{OUT}/{target}", exist_ok=True)
    with open(f"{OUT}/{target}/{name}", "wb") as f:
        f.write(data)
    print(target, name, method, path.split("?")[0], data[:100])

# v5
from test_v5 import create_req
rec("v5_bodies", "sdk-create-job.json", lambda: c5.create_job(create_req("sdk-fuzz-seed-1")))
full = create_req("sdk-fuzz-seed-2")
b = full.body.job
b.base_info.enterprise_project_id = "0"; b.base_info.expired_days = "14"; b.base_info.is_target_readonly = True
b.base_info.multi_write = False; b.base_info.charging_mode = "on_demand"
b.node_info.spec.node_num = 1
rec("v5_bodies", "sdk-create-job-more-fields.json", lambda: c5.create_job(full))
rec("v5_bodies", "sdk-update-job-name.json", lambda: c5.update_job(v5.UpdateJobRequest(job_id=JOB, body=v5.SingleUpdateJobReq(job=v5.UpdateJobReq(type="name", params=v5.UpdateJob(base_info=v5.JobBaseInfo(name="renamed-by-sdk")))))))
rec("v5_bodies", "sdk-update-job-description.json", lambda: c5.update_job(v5.UpdateJobRequest(job_id=JOB, body=v5.SingleUpdateJobReq(job=v5.UpdateJobReq(type="description", params=v5.UpdateJob(base_info=v5.JobBaseInfo(description="new words")))))))
rec("v5_bodies", "sdk-update-job-notify.json", lambda: c5.update_job(v5.UpdateJobRequest(job_id=JOB, body=v5.SingleUpdateJobReq(job=v5.UpdateJobReq(type="notify", params=v5.UpdateJob(alarm_notify=v5.AlarmNotifyConfig(alarm_to_user=True, topic_urn="urn:smn:cn-north-4:0123:drs", delay_time=60, rpo_delay=30, rto_delay=30)))))))
for name, params in [("start", {"start_time": "1767225600000"}), ("stop", {"pause_mode": "target"}), ("restart", None), ("terminate", {"force_delete": True})]:
    req = v5.ActionReq(action_name=name, action_params=v5.ActionParams(**params) if params else None)
    rec("v5_bodies", f"sdk-execute-job-action-{name}.json", lambda: c5.execute_job_action(v5.ExecuteJobActionRequest(job_id=JOB, body=v5.JobActionReq(job=req))))
rec("v5_bodies", "sdk-stop-job-action.json", lambda: c5.stop_job_action(v5.StopJobActionRequest(job_id=JOB, body=v5.StopJobActionReq(is_force_stop=False))))
rec("v5_bodies", "sdk-batch-execute-job-actions.json", lambda: c5.batch_execute_job_actions(v5.BatchExecuteJobActionsRequest(body=v5.BatchJobActionReq(jobs=[v5.ActionReq(job_id=JOB, action_name="start"), v5.ActionReq(job_id=JOB2, action_name="stop", action_params=v5.ActionParams(pause_mode="all"))]))))
rec("v5_bodies", "sdk-batch-stop-jobs-action.json", lambda: c5.batch_stop_jobs_action(v5.BatchStopJobsActionRequest(body=v5.BatchStopJobActionReq(jobs=[v5.StopJobActionInfo(job_id=JOB, is_force_stop=False), v5.StopJobActionInfo(job_id=JOB2, is_force_stop=True)]))))
rec("v5_bodies", "sdk-batch-delete-jobs-by-id.json", lambda: c5.batch_delete_jobs_by_id(v5.BatchDeleteJobsByIdRequest(body=v5.BatchDeleteJobReq(jobs=[JOB, JOB2]))))
rec("v5_bodies", "sdk-validate-job-name.json", lambda: c5.validate_job_name(v5.ValidateJobNameRequest(body=v5.CheckJobNameReq(name="sdk-free-name", type="trans"))))
rec("v5_bodies", "sdk-list-jobs.query", lambda: c5.list_jobs(v5.ListJobsRequest(job_type="migration", limit=10, offset=0)), "query")
rec("v5_bodies", "sdk-list-jobs-filtered.query", lambda: c5.list_jobs(v5.ListJobsRequest(job_type="sync", name="a b+c", status="FULL_TRANSFER_STARTED", engine_type="mysql", net_type="vpc", enterprise_project_id="0", instance_ids=["rds-0001", "rds-0002"], instance_ip="192.168.0.10", sort_key="name", sort_dir="asc", limit=1000, offset=20)), "query")
rec("v5_bodies", "sdk-show-job-detail.query", lambda: c5.show_job_detail(v5.ShowJobDetailRequest(job_id=JOB, type="detail")), "query")
rec("v5_bodies", "sdk-show-enterprise-project.query", lambda: c5.show_enterprise_project(v5.ShowEnterpriseProjectRequest(name="proj", offset=0, limit=1)), "query")

# workflow (v3)
def ep3(kind, ip):
    return v3.TestEndPoint(id=JOB, net_type="vpc", db_type="mysql", ip=ip, db_port=3306, db_user="root", db_password="Secret-Pass-123", end_point_type=kind)
rec("workflow_bodies", "sdk-batch-connection.json", lambda: c3.batch_validate_connections(v3.BatchValidateConnectionsRequest(body=v3.BatchTestConnectionReq(jobs=[ep3("so", "192.168.0.10"), ep3("ta", "192.168.0.11")]))))
rec("workflow_bodies", "sdk-batch-select-objects.json", lambda: c3.batch_set_objects(v3.BatchSetObjectsRequest(body=v3.BatchUpdateDatabaseObjectReq(jobs=[v3.UpdateDatabaseObjectReq(job_id=JOB, selected=True, job=[v3.DatabaseInfo(id="shop", object_type="database", object_name="shop", select="partial"), v3.DatabaseInfo(id="shop-*-*-orders", parent_id="shop", object_type="table", object_name="orders", select="true")])]))))
rec("workflow_bodies", "sdk-batch-limit-speed.json", lambda: c3.batch_set_speed(v3.BatchSetSpeedRequest(body=v3.BatchLimitSpeedReq(speed_limits=[v3.LimitSpeedReq(job_id=JOB, speed_limit=[v3.SpeedLimitInfo(begin="01:00", end="06:59", speed="20"), v3.SpeedLimitInfo(begin="16:00", end="15:59", speed="15")])]))))
rec("workflow_bodies", "sdk-batch-precheck.json", lambda: c3.batch_check_jobs(v3.BatchCheckJobsRequest(body=v3.BatchPrecheckReq(jobs=[v3.PreCheckInfo(job_id=JOB, precheck_mode="forStartJob"), v3.PreCheckInfo(job_id=JOB2, precheck_mode="forRetryJob")]))))
rec("workflow_bodies", "sdk-batch-switchover.json", lambda: c3.batch_switchover(v3.BatchSwitchoverRequest(body=v3.BatchSwitchoverReq(jobs=[JOB]))))
rec("workflow_bodies", "sdk-batch-precheck-result.json", lambda: c3.batch_check_results(v3.BatchCheckResultsRequest(body=v3.BatchQueryPrecheckResultReq(jobs=[JOB]))))
rec("workflow_bodies", "sdk-batch-progress.json", lambda: c3.batch_list_progresses(v3.BatchListProgressesRequest(body=v3.BatchQueryProgressReq(jobs=[JOB, JOB2]))))
rec("workflow_bodies", "sdk-batch-rpo-and-rto.json", lambda: c3.batch_list_rpos_and_rtos(v3.BatchListRposAndRtosRequest(body=v3.BatchQueryRpoAndRtoReq(jobs=[JOB]))))
