"""The course's JupyterHub (`make hub`, as root): one JupyterLab per Unix account, nbgrader's
exchange shared on the machine, the course's environment as every user's kernel.

Settings (environment variables; `make hub` passes its own):
  DLCOURSE_HUB_INSTRUCTOR  the instructor's account (default: instructor)
  DLCOURSE_HUB_STUDENTS    the students' accounts, comma-separated (default: the members of the
                           Unix group dlcourse-students)
  DLCOURSE_HUB_COURSE      the instructor's course configuration, loaded by the instructor's
                           nbgrader (default: ~instructor/dlcourse/grading/nbgrader_config.py)
  DLCOURSE_HUB_STATE       the hub's folder: its database, cookie secret, the role configurations
                           and the exchange (default: /srv/dlcourse-hub)
  DLCOURSE_HUB_IP, DLCOURSE_HUB_PORT   where the hub listens (default: 127.0.0.1:8000); the hub's
                           own API and the proxy's take DLCOURSE_HUB_API_PORT (8081) and
                           DLCOURSE_HUB_PROXY_API_PORT (8001), on 127.0.0.1
  DLCOURSE_HUB_PASSWORD    for a local trial only: every course account logs in with this one
                           password (JupyterHub's DummyAuthenticator, limited to the course's
                           accounts). Unset: PAM, each account's own Unix password (production).

Spawner: LocalProcessSpawner. The hub runs as root and starts each user's server as that user
(setuid), in that user's home: real Unix accounts, so the exchange's file permissions are what
keeps students apart (grading/nbgrader_glue/hub/exchange.py). SimpleLocalProcessSpawner would run every server
as root: no isolation at all.
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]  # jupyterhub loads this file by path: grading/ is not importable yet
sys.path.insert(0, str(ROOT))
from grading.nbgrader_glue.hub import group_members, lay_out, role_environment

c = get_config()  # noqa: F821 (jupyterhub's config loader provides it)

env = os.environ.get
VENV = Path(sys.executable).parent.parent  # the hub runs from the course's environment (.venv)
STATE = Path(env("DLCOURSE_HUB_STATE", "/srv/dlcourse-hub"))
INSTRUCTOR = env("DLCOURSE_HUB_INSTRUCTOR", "instructor")
STUDENTS = [s for s in env("DLCOURSE_HUB_STUDENTS", "").split(",") if s] or group_members("dlcourse-students")
COURSE = env("DLCOURSE_HUB_COURSE") or os.path.expanduser(f"~{INSTRUCTOR}/dlcourse/grading/nbgrader_config.py")
PROXY = env("DLCOURSE_HUB_PROXY") or str(VENV / "hub-proxy" / "node_modules" / ".bin" / "configurable-http-proxy")

lay_out(STATE, INSTRUCTOR, STUDENTS, COURSE)  # exchange, role configurations, students' folders

# ------------------------------------------------------------------ the hub and its proxy
c.JupyterHub.ip = env("DLCOURSE_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(env("DLCOURSE_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env("DLCOURSE_HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{env('DLCOURSE_HUB_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.command = [PROXY]
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
c.JupyterHub.cleanup_servers = True  # the hub's stop stops every user's server

# ------------------------------------------------------------------ who may log in
if env("DLCOURSE_HUB_PASSWORD"):
    c.JupyterHub.authenticator_class = "dummy"
    c.DummyAuthenticator.password = env("DLCOURSE_HUB_PASSWORD")
else:
    c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = {INSTRUCTOR, *STUDENTS}
c.Authenticator.admin_users = set()  # nobody can enter another user's server

# ------------------------------------------------------------------ each user's server
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(VENV / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120


def by_role(spawner):
    """The role's configuration: nbgrader's extensions, exchange, and the folder a server opens."""
    role = "instructor" if spawner.user.name == INSTRUCTOR else "student"
    spawner.environment.update(role_environment(STATE, role, VENV))
    spawner.notebook_dir = "~" if role == "instructor" else "~/dlcourse-student"


c.Spawner.pre_spawn_hook = by_role
