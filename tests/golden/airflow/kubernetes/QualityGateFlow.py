"Airflow DAG 'QualityGateFlow' for the flowc flow 'QualityGateFlow' (kubernetes mode). Generated: do not edit."

from __future__ import annotations

import datetime
import json

import pendulum

try:  # Airflow 3: the task SDK
    from airflow.sdk import DAG, BaseOperator, Param
except ImportError:  # Airflow 2.7+
    from airflow.models.baseoperator import BaseOperator
    from airflow.models.dag import DAG
    from airflow.models.param import Param
try:
    from airflow.providers.standard.operators.branch import BaseBranchOperator
    from airflow.providers.standard.operators.empty import EmptyOperator
except ImportError:  # Airflow 2 without the standard provider
    from airflow.operators.branch import BaseBranchOperator
    from airflow.operators.empty import EmptyOperator
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from kubernetes.client import models as k8s

FLOW = 'QualityGateFlow'
PARAMETERS = ['new_rows', 'null_ratio']
MAX_MAP_LENGTH_HINT = "raise Airflow's [core] max_map_length (AIRFLOW__CORE__MAX_MAP_LENGTH)"


def _max_map_length() -> int:
    try:
        from airflow.sdk.configuration import conf
    except ImportError:
        from airflow.configuration import conf
    return conf.getint("core", "max_map_length")


def _flowc_arg(text) -> str:
    """A value as the runner's command carries it: percent-encoded (flowc.runner.command.encode_value)."""
    from urllib.parse import quote

    return quote(str(text), safe="/:@+,=")


def _params_json(params) -> str:
    """The flow's parameters as one JSON object for the start step (a Jinja filter)."""
    return json.dumps({name: params[name] for name in PARAMETERS if name in params}, sort_keys=True)


def _output(outputs):
    """A mapped task's XComs arrive as a sequence; an unmapped one's as a single object."""
    return [outputs] if isinstance(outputs, dict) else list(outputs)


class FlowcFanout(BaseOperator):
    """Turns a foreach split's `{"foreach_count": N}` outputs into its children's index paths."""

    template_fields = ("split_outputs", "paths")
    ui_color = "#f4f1de"

    def __init__(self, *, split: str, split_outputs, paths, **kwargs) -> None:
        super().__init__(**kwargs)
        self.split = split
        self.split_outputs = split_outputs
        self.paths = paths

    def execute(self, context):
        children = []
        for path, output in zip(list(self.paths), _output(self.split_outputs)):
            count = int(output["foreach_count"])
            children.extend(f"{path}.{i}" if path else str(i) for i in range(count))
        limit = _max_map_length()
        if len(children) > limit:
            raise RuntimeError(
                f"foreach step {self.split!r} of flow {FLOW!r} needs {len(children)} mapped tasks, "
                f"more than Airflow's [core] max_map_length ({limit}); {MAX_MAP_LENGTH_HINT}"
            )
        return children


class FlowcCase(BaseOperator):
    """For a switch inside a foreach: the index paths whose task chose one case's step."""

    template_fields = ("switch_outputs", "paths")
    ui_color = "#f4f1de"

    def __init__(self, *, switch: str, values, switch_outputs, paths, **kwargs) -> None:
        super().__init__(**kwargs)
        self.switch = switch
        self.values = values
        self.switch_outputs = switch_outputs
        self.paths = paths

    def execute(self, context):
        outputs = _output(self.switch_outputs)
        return [p for p, o in zip(list(self.paths), outputs) if o["switch_case"] in self.values]


class FlowcPaths(BaseOperator):
    """Where ways into a step inside a foreach meet: the index paths of all of them, in order. A way
    whose helper was skipped (no path took it) adds nothing."""

    template_fields = ("sources",)
    ui_color = "#f4f1de"

    def __init__(self, *, step: str, sources, **kwargs) -> None:
        super().__init__(**kwargs)
        self.step = step
        self.sources = sources

    def execute(self, context):
        found = set()
        for paths in self.sources:
            found.update(paths or ())
        return sorted(found, key=lambda path: [int(part) for part in path.split(".")])


class FlowcRoute(BaseBranchOperator):
    """For a switch outside any foreach: follow the case the runner chose, skip the others."""

    template_fields = ("switch_output",)
    ui_color = "#f4f1de"

    def __init__(self, *, switch: str, routes, switch_output, **kwargs) -> None:
        super().__init__(**kwargs)
        self.switch = switch
        self.routes = routes
        self.switch_output = switch_output

    def choose_branch(self, context):
        case = self.switch_output["switch_case"]
        if case not in self.routes:
            raise RuntimeError(f"switch {self.switch!r} chose {case!r}, which is not one of its cases")
        return self.routes[case]


class FlowcPodStep(KubernetesPodOperator):
    """Runs one task of the flow in its own pod. No templated field is read as a file name."""

    template_ext = ()

    def __init__(self, *, flowc_index: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.flowc_index = flowc_index


with DAG(
    dag_id='QualityGateFlow',
    description="Decide how to refresh a model from the quality of today's batch.",
    doc_md="Decide how to refresh a model from the quality of today's batch.\n",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz='UTC'),
    catchup=False,
    tags=['flowc'],
    params={'new_rows': Param(12000, type='integer', description='rows that arrived since the last training'), 'null_ratio': Param(0.01, type='number', description='share of rows with missing values')},
    user_defined_filters={"flowc_params": _params_json, "flowc_arg": _flowc_arg},
) as dag:
    tasks = {}
    tasks['start'] = FlowcPodStep(
        task_id='start',
        name='start',
        namespace='default',
        image='registry.example.com/flowc:1.0',
        cmds=['python3'],
        arguments=['-c', 'import os,sys,io,tarfile,tempfile,importlib,importlib.util,subprocess as sp,urllib.parse as up;a=sys.argv[1:];g=lambda k:a[a.index(k)+1];d,f,c=up.unquote(g("--datastore")),g("--flow"),g("--code");h=tempfile.mkdtemp(prefix="flowc-");os.environ["FLOWC_CACHE_DIR"]=h;t=h+"/code/"+f+"-"+c;p=h+"/lib";pip=lambda *r:sp.check_call([sys.executable,"-m","pip","install","-qq","--disable-pip-version-check","--target",p,*r]);s3=d.startswith("s3://");s3 and not importlib.util.find_spec("boto3") and pip("boto3>=1.28");sys.path[:0]=[p];k=f+"/code/"+c+".tar.gz";b,_,q=d[5:].partition("/");q=q.strip("/");z=__import__("boto3").client("s3",endpoint_url=os.environ.get("FLOWC_S3_ENDPOINT_URL")).get_object(Bucket=b,Key=q+"/"+k if q else k)["Body"].read() if s3 else open(os.path.join(d,k),"rb").read();tarfile.open(fileobj=io.BytesIO(z)).extractall(t,**(dict(filter="data") if hasattr(tarfile,"data_filter") else dict()));r=t+"/requirements/"+g("--step")+".txt";os.path.isfile(r) and not os.environ.get("FLOWC_BAKED_IMAGE") and pip("-r",r);importlib.invalidate_caches();sys.path[:0]=[t+"/runtime"];os.environ["PYTHONPATH"]=os.pathsep.join(filter(None,[t+"/runtime",p,os.environ.get("PYTHONPATH")]));from flowc.cli import main;sys.exit(main(a))', 'step', '--flow', 'QualityGateFlow', '--code', 'd0960fda0d025eba7dff', '--step', 'start', '--run-id', '{{ run_id }}', '--datastore', 's3://flowc-bucket/datastore', '--attempt', '{{ ti.try_number - 1 }}', '--params-json', '{{ params | flowc_params | flowc_arg }}', '--output-json', '/airflow/xcom/return.json'],
        get_logs=True,
        do_xcom_push=True,
        on_finish_action='delete_pod',
        doc_md='Measure the batch and choose a route.',
    )
    tasks['start-route'] = FlowcRoute(
        task_id='start-route',
        switch='start',
        routes={'full': 'full_retrain', 'incremental': 'incremental_update', 'skip': 'skip_batch'},
        switch_output=tasks['start'].output,
    )
    tasks['full_retrain'] = FlowcPodStep(
        task_id='full_retrain',
        name='full-retrain',
        namespace='default',
        image='registry.example.com/flowc:1.0',
        cmds=['python3'],
        arguments=['-c', 'import os,sys,io,tarfile,tempfile,importlib,importlib.util,subprocess as sp,urllib.parse as up;a=sys.argv[1:];g=lambda k:a[a.index(k)+1];d,f,c=up.unquote(g("--datastore")),g("--flow"),g("--code");h=tempfile.mkdtemp(prefix="flowc-");os.environ["FLOWC_CACHE_DIR"]=h;t=h+"/code/"+f+"-"+c;p=h+"/lib";pip=lambda *r:sp.check_call([sys.executable,"-m","pip","install","-qq","--disable-pip-version-check","--target",p,*r]);s3=d.startswith("s3://");s3 and not importlib.util.find_spec("boto3") and pip("boto3>=1.28");sys.path[:0]=[p];k=f+"/code/"+c+".tar.gz";b,_,q=d[5:].partition("/");q=q.strip("/");z=__import__("boto3").client("s3",endpoint_url=os.environ.get("FLOWC_S3_ENDPOINT_URL")).get_object(Bucket=b,Key=q+"/"+k if q else k)["Body"].read() if s3 else open(os.path.join(d,k),"rb").read();tarfile.open(fileobj=io.BytesIO(z)).extractall(t,**(dict(filter="data") if hasattr(tarfile,"data_filter") else dict()));r=t+"/requirements/"+g("--step")+".txt";os.path.isfile(r) and not os.environ.get("FLOWC_BAKED_IMAGE") and pip("-r",r);importlib.invalidate_caches();sys.path[:0]=[t+"/runtime"];os.environ["PYTHONPATH"]=os.pathsep.join(filter(None,[t+"/runtime",p,os.environ.get("PYTHONPATH")]));from flowc.cli import main;sys.exit(main(a))', 'step', '--flow', 'QualityGateFlow', '--code', 'd0960fda0d025eba7dff', '--step', 'full_retrain', '--run-id', '{{ run_id }}', '--datastore', 's3://flowc-bucket/datastore', '--attempt', '{{ ti.try_number - 1 }}'],
        get_logs=True,
        do_xcom_push=False,
        on_finish_action='delete_pod',
    )
    tasks['incremental_update'] = FlowcPodStep(
        task_id='incremental_update',
        name='incremental-update',
        namespace='default',
        image='registry.example.com/flowc:1.0',
        cmds=['python3'],
        arguments=['-c', 'import os,sys,io,tarfile,tempfile,importlib,importlib.util,subprocess as sp,urllib.parse as up;a=sys.argv[1:];g=lambda k:a[a.index(k)+1];d,f,c=up.unquote(g("--datastore")),g("--flow"),g("--code");h=tempfile.mkdtemp(prefix="flowc-");os.environ["FLOWC_CACHE_DIR"]=h;t=h+"/code/"+f+"-"+c;p=h+"/lib";pip=lambda *r:sp.check_call([sys.executable,"-m","pip","install","-qq","--disable-pip-version-check","--target",p,*r]);s3=d.startswith("s3://");s3 and not importlib.util.find_spec("boto3") and pip("boto3>=1.28");sys.path[:0]=[p];k=f+"/code/"+c+".tar.gz";b,_,q=d[5:].partition("/");q=q.strip("/");z=__import__("boto3").client("s3",endpoint_url=os.environ.get("FLOWC_S3_ENDPOINT_URL")).get_object(Bucket=b,Key=q+"/"+k if q else k)["Body"].read() if s3 else open(os.path.join(d,k),"rb").read();tarfile.open(fileobj=io.BytesIO(z)).extractall(t,**(dict(filter="data") if hasattr(tarfile,"data_filter") else dict()));r=t+"/requirements/"+g("--step")+".txt";os.path.isfile(r) and not os.environ.get("FLOWC_BAKED_IMAGE") and pip("-r",r);importlib.invalidate_caches();sys.path[:0]=[t+"/runtime"];os.environ["PYTHONPATH"]=os.pathsep.join(filter(None,[t+"/runtime",p,os.environ.get("PYTHONPATH")]));from flowc.cli import main;sys.exit(main(a))', 'step', '--flow', 'QualityGateFlow', '--code', 'd0960fda0d025eba7dff', '--step', 'incremental_update', '--run-id', '{{ run_id }}', '--datastore', 's3://flowc-bucket/datastore', '--attempt', '{{ ti.try_number - 1 }}'],
        get_logs=True,
        do_xcom_push=False,
        on_finish_action='delete_pod',
    )
    tasks['skip_batch'] = FlowcPodStep(
        task_id='skip_batch',
        name='skip-batch',
        namespace='default',
        image='registry.example.com/flowc:1.0',
        cmds=['python3'],
        arguments=['-c', 'import os,sys,io,tarfile,tempfile,importlib,importlib.util,subprocess as sp,urllib.parse as up;a=sys.argv[1:];g=lambda k:a[a.index(k)+1];d,f,c=up.unquote(g("--datastore")),g("--flow"),g("--code");h=tempfile.mkdtemp(prefix="flowc-");os.environ["FLOWC_CACHE_DIR"]=h;t=h+"/code/"+f+"-"+c;p=h+"/lib";pip=lambda *r:sp.check_call([sys.executable,"-m","pip","install","-qq","--disable-pip-version-check","--target",p,*r]);s3=d.startswith("s3://");s3 and not importlib.util.find_spec("boto3") and pip("boto3>=1.28");sys.path[:0]=[p];k=f+"/code/"+c+".tar.gz";b,_,q=d[5:].partition("/");q=q.strip("/");z=__import__("boto3").client("s3",endpoint_url=os.environ.get("FLOWC_S3_ENDPOINT_URL")).get_object(Bucket=b,Key=q+"/"+k if q else k)["Body"].read() if s3 else open(os.path.join(d,k),"rb").read();tarfile.open(fileobj=io.BytesIO(z)).extractall(t,**(dict(filter="data") if hasattr(tarfile,"data_filter") else dict()));r=t+"/requirements/"+g("--step")+".txt";os.path.isfile(r) and not os.environ.get("FLOWC_BAKED_IMAGE") and pip("-r",r);importlib.invalidate_caches();sys.path[:0]=[t+"/runtime"];os.environ["PYTHONPATH"]=os.pathsep.join(filter(None,[t+"/runtime",p,os.environ.get("PYTHONPATH")]));from flowc.cli import main;sys.exit(main(a))', 'step', '--flow', 'QualityGateFlow', '--code', 'd0960fda0d025eba7dff', '--step', 'skip_batch', '--run-id', '{{ run_id }}', '--datastore', 's3://flowc-bucket/datastore', '--attempt', '{{ ti.try_number - 1 }}'],
        get_logs=True,
        do_xcom_push=False,
        on_finish_action='delete_pod',
    )
    tasks['publish'] = FlowcPodStep(
        task_id='publish',
        name='publish',
        namespace='default',
        image='registry.example.com/flowc:1.0',
        cmds=['python3'],
        arguments=['-c', 'import os,sys,io,tarfile,tempfile,importlib,importlib.util,subprocess as sp,urllib.parse as up;a=sys.argv[1:];g=lambda k:a[a.index(k)+1];d,f,c=up.unquote(g("--datastore")),g("--flow"),g("--code");h=tempfile.mkdtemp(prefix="flowc-");os.environ["FLOWC_CACHE_DIR"]=h;t=h+"/code/"+f+"-"+c;p=h+"/lib";pip=lambda *r:sp.check_call([sys.executable,"-m","pip","install","-qq","--disable-pip-version-check","--target",p,*r]);s3=d.startswith("s3://");s3 and not importlib.util.find_spec("boto3") and pip("boto3>=1.28");sys.path[:0]=[p];k=f+"/code/"+c+".tar.gz";b,_,q=d[5:].partition("/");q=q.strip("/");z=__import__("boto3").client("s3",endpoint_url=os.environ.get("FLOWC_S3_ENDPOINT_URL")).get_object(Bucket=b,Key=q+"/"+k if q else k)["Body"].read() if s3 else open(os.path.join(d,k),"rb").read();tarfile.open(fileobj=io.BytesIO(z)).extractall(t,**(dict(filter="data") if hasattr(tarfile,"data_filter") else dict()));r=t+"/requirements/"+g("--step")+".txt";os.path.isfile(r) and not os.environ.get("FLOWC_BAKED_IMAGE") and pip("-r",r);importlib.invalidate_caches();sys.path[:0]=[t+"/runtime"];os.environ["PYTHONPATH"]=os.pathsep.join(filter(None,[t+"/runtime",p,os.environ.get("PYTHONPATH")]));from flowc.cli import main;sys.exit(main(a))', 'step', '--flow', 'QualityGateFlow', '--code', 'd0960fda0d025eba7dff', '--step', 'publish', '--run-id', '{{ run_id }}', '--datastore', 's3://flowc-bucket/datastore', '--attempt', '{{ ti.try_number - 1 }}'],
        get_logs=True,
        do_xcom_push=False,
        on_finish_action='delete_pod',
        trigger_rule='none_failed_min_one_success',
        doc_md='Runs after whichever route was taken.',
    )
    tasks['end'] = FlowcPodStep(
        task_id='end',
        name='end',
        namespace='default',
        image='registry.example.com/flowc:1.0',
        cmds=['python3'],
        arguments=['-c', 'import os,sys,io,tarfile,tempfile,importlib,importlib.util,subprocess as sp,urllib.parse as up;a=sys.argv[1:];g=lambda k:a[a.index(k)+1];d,f,c=up.unquote(g("--datastore")),g("--flow"),g("--code");h=tempfile.mkdtemp(prefix="flowc-");os.environ["FLOWC_CACHE_DIR"]=h;t=h+"/code/"+f+"-"+c;p=h+"/lib";pip=lambda *r:sp.check_call([sys.executable,"-m","pip","install","-qq","--disable-pip-version-check","--target",p,*r]);s3=d.startswith("s3://");s3 and not importlib.util.find_spec("boto3") and pip("boto3>=1.28");sys.path[:0]=[p];k=f+"/code/"+c+".tar.gz";b,_,q=d[5:].partition("/");q=q.strip("/");z=__import__("boto3").client("s3",endpoint_url=os.environ.get("FLOWC_S3_ENDPOINT_URL")).get_object(Bucket=b,Key=q+"/"+k if q else k)["Body"].read() if s3 else open(os.path.join(d,k),"rb").read();tarfile.open(fileobj=io.BytesIO(z)).extractall(t,**(dict(filter="data") if hasattr(tarfile,"data_filter") else dict()));r=t+"/requirements/"+g("--step")+".txt";os.path.isfile(r) and not os.environ.get("FLOWC_BAKED_IMAGE") and pip("-r",r);importlib.invalidate_caches();sys.path[:0]=[t+"/runtime"];os.environ["PYTHONPATH"]=os.pathsep.join(filter(None,[t+"/runtime",p,os.environ.get("PYTHONPATH")]));from flowc.cli import main;sys.exit(main(a))', 'step', '--flow', 'QualityGateFlow', '--code', 'd0960fda0d025eba7dff', '--step', 'end', '--run-id', '{{ run_id }}', '--datastore', 's3://flowc-bucket/datastore', '--attempt', '{{ ti.try_number - 1 }}'],
        get_logs=True,
        do_xcom_push=False,
        on_finish_action='delete_pod',
    )

    tasks['start'] >> tasks['start-route']
    tasks['start-route'] >> tasks['full_retrain']
    tasks['start-route'] >> tasks['incremental_update']
    tasks['start-route'] >> tasks['skip_batch']
    tasks['full_retrain'] >> tasks['publish']
    tasks['incremental_update'] >> tasks['publish']
    tasks['skip_batch'] >> tasks['publish']
    tasks['publish'] >> tasks['end']
