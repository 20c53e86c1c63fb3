//! `settings.*`, `statistics.*`, and settings forced by deployment variables.

use apogee_blackbox::{TestServer, backends, db_tests};
use serde_json::json;

mod bodies {
    use super::*;

    pub async fn public_settings(s: TestServer) {
        let b = s.get("/api/v1/settings.public", None).await.ok();
        let ids: Vec<&str> = b["settings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["_id"].as_str().unwrap())
            .collect();
        for id in [
            "Site_Url",
            "Site_Name",
            "uniqueID",
            "Accounts_RegistrationForm",
            "Message_MaxAllowedSize",
            "API_Use_REST_For_DDP_Calls",
        ] {
            assert!(ids.contains(&id), "{id}");
        }
        assert!(
            !ids.contains(&"API_Enable_Rate_Limiter"),
            "private settings stay private"
        );
        assert_eq!(b["total"], json!(ids.len()));
        let b = s
            .get("/api/v1/settings.public?_id=uniqueID,Site_Name", None)
            .await
            .ok();
        assert_eq!(b["count"], 2);
        assert_eq!(b["settings"][0]["enterprise"], false);
        let uid = b["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["_id"] == "uniqueID")
            .unwrap()["value"]
            .clone();
        assert_eq!(uid.as_str().unwrap().len(), 17);
        let b = s
            .get("/api/v1/settings.public?count=2&offset=1", None)
            .await
            .ok();
        assert_eq!(b["count"], 2);
        assert_eq!(b["offset"], 1);
        assert_eq!(
            s.get("/api/v1/settings.oauth", None).await.ok()["services"],
            json!([])
        );
        assert_eq!(
            s.get("/api/v1/service.configurations", None).await.ok()["configurations"],
            json!([])
        );
        s.stop().await;
    }

    pub async fn admin_settings(s: TestServer) {
        let u = s.user("leo").await;
        let all = s.get("/api/v1/settings?count=0", Some(&s.admin)).await.ok();
        let public = s.get("/api/v1/settings?count=0", Some(&u)).await.ok();
        assert!(all["total"].as_u64().unwrap() > public["total"].as_u64().unwrap());
        let with = s
            .get(
                "/api/v1/settings?count=1&includeDefaults=true",
                Some(&s.admin),
            )
            .await
            .ok();
        assert!(with["settings"][0].get("packageValue").is_some());
        let one = s
            .get("/api/v1/settings/API_Enable_Rate_Limiter", Some(&s.admin))
            .await
            .ok();
        assert_eq!(one["value"], false);
        s.get("/api/v1/settings/Site_Name", Some(&u)).await.err(403);
        s.get("/api/v1/settings/No_Such_Setting", Some(&s.admin))
            .await
            .err(404);
        // Changes: typed, forbidden for users, visible afterwards.
        s.post(
            "/api/v1/settings/Site_Name",
            Some(&s.admin),
            json!({"value": "Our Chat"}),
        )
        .await
        .ok();
        let b = s
            .get("/api/v1/settings.public?_id=Site_Name", None)
            .await
            .ok();
        assert_eq!(b["settings"][0]["value"], "Our Chat");
        s.post(
            "/api/v1/settings/Site_Name",
            Some(&u),
            json!({"value": "Theirs"}),
        )
        .await
        .err(403);
        s.post(
            "/api/v1/settings/Message_MaxAllowedSize",
            Some(&s.admin),
            json!({"value": "lots"}),
        )
        .await
        .err_type("error-invalid-params");
        s.post(
            "/api/v1/settings/Message_MaxAllowedSize",
            Some(&s.admin),
            json!({"value": "6000"}),
        )
        .await
        .ok();
        assert_eq!(
            s.get("/api/v1/settings/Message_MaxAllowedSize", Some(&s.admin))
                .await
                .ok()["value"],
            6000
        );
        s.post("/api/v1/settings/Site_Name", Some(&s.admin), json!({}))
            .await
            .err_type("error-invalid-params");
        s.post("/api/v1/settings/Nope", Some(&s.admin), json!({"value": 1}))
            .await
            .err(404);
        // A setting that changes behaviour: closing registration.
        s.post(
            "/api/v1/settings/Accounts_RegistrationForm",
            Some(&s.admin),
            json!({"value": "Disabled"}),
        )
        .await
        .ok();
        s.post(
            "/api/v1/users.register",
            None,
            json!({"username": "late", "email": "late@example.com", "pass": "pw", "name": "L"}),
        )
        .await
        .err_type("error-user-registration-disabled");
        s.stop().await;
    }

    pub async fn statistics(s: TestServer) {
        let u = s.user("mia").await;
        s.get("/api/v1/statistics", Some(&u)).await.err(403);
        s.get("/api/v1/statistics.list", Some(&u)).await.err(403);
        let st = s
            .get("/api/v1/statistics?refresh=true", Some(&s.admin))
            .await
            .ok();
        for k in [
            "wizard",
            "uniqueId",
            "installedAt",
            "deploymentFingerprintHash",
            "deploymentFingerprintVerified",
        ] {
            assert!(st.get(k).is_some(), "{k}");
        }
        assert_eq!(st["totalUsers"], 2);
        assert_eq!(st["totalChannels"], 1);
        let list = s.get("/api/v1/statistics.list", Some(&s.admin)).await.ok();
        assert!(list["total"].as_u64().unwrap() >= 1);
        assert_eq!(list["statistics"][0]["uniqueId"], st["uniqueId"]);
        s.stop().await;
    }
}

db_tests!(public_settings, admin_settings, statistics);

/// `OVERWRITE_SETTING_<id>` forces a value at start; `TEST_MODE` opens registration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployment_variables_force_settings() {
    for b in backends() {
        let env = apogee::DeployEnv::from_pairs(&[
            ("OVERWRITE_SETTING_Site_Name".into(), "Forced".into()),
            (
                "OVERWRITE_SETTING_Message_MaxAllowedSize".into(),
                "1234".into(),
            ),
            (
                "OVERWRITE_SETTING_Accounts_RegistrationForm".into(),
                "Disabled".into(),
            ),
            ("TEST_MODE".into(), "true".into()),
        ])
        .unwrap();
        let s = TestServer::start_with(&b, env).await;
        let v = s
            .get(
                "/api/v1/settings.public?_id=Site_Name,Message_MaxAllowedSize",
                None,
            )
            .await
            .ok();
        let get = |id: &str| {
            v["settings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["_id"] == id)
                .unwrap()["value"]
                .clone()
        };
        assert_eq!(get("Site_Name"), "Forced");
        assert_eq!(get("Message_MaxAllowedSize"), 1234);
        // TEST_MODE lets registration through even when the form is disabled.
        s.post(
            "/api/v1/users.register",
            None,
            json!({"username": "tm", "email": "tm@example.com", "pass": "pw", "name": "T"}),
        )
        .await
        .ok();
        s.stop().await;
    }
}
