"""The task bootstrap: how a task starts on a stock Python image that has no flowc installed.

Every containerised task (an Argo pod, an Airflow KubernetesPodOperator pod, an AWS Batch job) runs

    python3 -c SOURCE step --flow F --code ID --step S --run-id R --datastore D ...

`SOURCE` is the short program below, the same bytes for every task. It

1. installs boto3 (the one package the runner needs, for an `s3://` datastore) with pip into a
   folder of its own, unless the image has it already;
2. downloads the flow's code package `<datastore>/<flow>/code/<id>.tar.gz`, which carries the flow's
   source, its IR and flowc's runner (`runtime/flowc`), and unpacks it where the runner's own code
   cache looks (`$FLOWC_CACHE_DIR/code/<flow>-<id>`), so the runner does not download it again;
3. installs the step's requirements, if the package has them (`requirements/<step>.txt`: @pypi_base,
   @pypi and a requirements.txt beside the flow);
4. imports flowc from the package (ahead of any flowc the image has, so a task always runs the runner
   its flow was deployed with) and runs `flowc step` with the same arguments.

It is one line of simple statements joined by `;`, with no braces, dollar signs, quotes of the
`'` kind or backslashes, so Argo's `{{ }}`, Kubernetes' `$(VAR)`, Airflow's Jinja and Step Functions'
intrinsic strings all leave it as written. Every value it reads comes from its own argv (the runner's
arguments, one argv item each: no shell is involved). The datastore arrives percent-encoded, as every
task command carries it (`flowc.runner.command.encode_value`).

Pip reads its usual configuration from the environment (`PIP_INDEX_URL` for a private mirror). A task
on an image without network access needs an image that has boto3 and the flow's dependencies
already (`flowc image` writes its Dockerfile, which sets `FLOWC_BAKED_IMAGE=1`); steps 1 and 3 then
install nothing.
"""

from __future__ import annotations

PYTHON = "python3"

# One statement per item, joined with ";" into a single line. Keep it free of { } $ ' and \.
_STATEMENTS = (
    "import os,sys,io,tarfile,tempfile,importlib,importlib.util,subprocess as sp,urllib.parse as up",
    "a=sys.argv[1:]",
    "g=lambda k:a[a.index(k)+1]",
    'd,f,c=up.unquote(g("--datastore")),g("--flow"),g("--code")',
    'h=tempfile.mkdtemp(prefix="flowc-")',
    'os.environ["FLOWC_CACHE_DIR"]=h',
    't=h+"/code/"+f+"-"+c',
    'p=h+"/lib"',
    'pip=lambda *r:sp.check_call([sys.executable,"-m","pip","install","-qq","--disable-pip-version-check",'
    '"--target",p,*r])',
    's3=d.startswith("s3://")',
    's3 and not importlib.util.find_spec("boto3") and pip("boto3>=1.28")',
    "sys.path[:0]=[p]",
    'k=f+"/code/"+c+".tar.gz"',
    'b,_,q=d[5:].partition("/")',
    'q=q.strip("/")',
    'z=__import__("boto3").client("s3",endpoint_url=os.environ.get("FLOWC_S3_ENDPOINT_URL")).get_object('
    'Bucket=b,Key=q+"/"+k if q else k)["Body"].read() if s3 else open(os.path.join(d,k),"rb").read()',
    'tarfile.open(fileobj=io.BytesIO(z)).extractall(t,**(dict(filter="data") if hasattr(tarfile,"data_filter")'
    " else dict()))",
    'r=t+"/requirements/"+g("--step")+".txt"',
    'os.path.isfile(r) and not os.environ.get("FLOWC_BAKED_IMAGE") and pip("-r",r)',
    "importlib.invalidate_caches()",
    'sys.path[:0]=[t+"/runtime"]',
    'os.environ["PYTHONPATH"]=os.pathsep.join(filter(None,[t+"/runtime",p,os.environ.get("PYTHONPATH")]))',
    "from flowc.cli import main",
    "sys.exit(main(a))",
)

SOURCE = ";".join(_STATEMENTS)


def command(python: str = PYTHON) -> tuple[str, ...]:
    """The executable prefix of a bootstrapped task: `(python, "-c", SOURCE)`; the runner's
    arguments (`step --flow ...`) follow it."""
    return (python, "-c", SOURCE)
