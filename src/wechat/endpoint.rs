//! The API endpoints qunfa calls, each with its path and method: the one
//! list the client, the simulator's router and per-endpoint scenarios, and
//! the app's counters all name.

use reqwest::Method;

/// An endpoint of WeChat's API. Adding one here makes the compiler ask for
/// its path, its method and the simulator's route and control name (each an
/// exhaustive `match`); `Endpoint::VARIANTS` is derived, never kept by hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, strum::VariantArray)]
pub enum Endpoint {
    /// The classic access token; each fetch revokes the previous one.
    Token,
    /// The stable access token, which does not revoke other holders' tokens.
    StableToken,
    TagsGet,
    UserGet,
    SendAll,
    Preview,
    MassGet,
    MassDelete,
    DraftBatchGet,
    DraftAdd,
    DraftGet,
    DraftUpdate,
    DraftDelete,
    DraftCount,
    MaterialBatchGet,
    MaterialCount,
    /// Uploads a permanent material (multipart, `?type=`).
    MaterialAdd,
    MaterialGet,
    MaterialDelete,
    /// Uploads an image for an article's body (multipart): its URL only.
    UploadImg,
    UploadVideo,
    /// A mass send to a list of 2–10,000 followers by OpenID.
    MassSend,
    /// The readers of every article on one day (`datacube`).
    ArticleRead,
    /// The sharers of every article on one day (`datacube`).
    ArticleShare,
}

impl Endpoint {
    /// The path under the API base.
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Token => "/cgi-bin/token",
            Endpoint::StableToken => "/cgi-bin/stable_token",
            Endpoint::TagsGet => "/cgi-bin/tags/get",
            Endpoint::UserGet => "/cgi-bin/user/get",
            Endpoint::SendAll => "/cgi-bin/message/mass/sendall",
            Endpoint::Preview => "/cgi-bin/message/mass/preview",
            Endpoint::MassGet => "/cgi-bin/message/mass/get",
            Endpoint::MassDelete => "/cgi-bin/message/mass/delete",
            Endpoint::DraftBatchGet => "/cgi-bin/draft/batchget",
            Endpoint::DraftAdd => "/cgi-bin/draft/add",
            Endpoint::DraftGet => "/cgi-bin/draft/get",
            Endpoint::DraftUpdate => "/cgi-bin/draft/update",
            Endpoint::DraftDelete => "/cgi-bin/draft/delete",
            Endpoint::DraftCount => "/cgi-bin/draft/count",
            Endpoint::MaterialBatchGet => "/cgi-bin/material/batchget_material",
            Endpoint::MaterialCount => "/cgi-bin/material/get_materialcount",
            Endpoint::MaterialAdd => "/cgi-bin/material/add_material",
            Endpoint::MaterialGet => "/cgi-bin/material/get_material",
            Endpoint::MaterialDelete => "/cgi-bin/material/del_material",
            Endpoint::UploadImg => "/cgi-bin/media/uploadimg",
            Endpoint::UploadVideo => "/cgi-bin/media/uploadvideo",
            Endpoint::MassSend => "/cgi-bin/message/mass/send",
            Endpoint::ArticleRead => "/datacube/getarticleread",
            Endpoint::ArticleShare => "/datacube/getarticleshare",
        }
    }

    /// The method qunfa calls it with: `GET` for the calls without a body
    /// (the classic token carries its credentials in the query), `POST`
    /// for the rest.
    pub fn method(self) -> Method {
        match self {
            Endpoint::Token
            | Endpoint::TagsGet
            | Endpoint::UserGet
            | Endpoint::DraftCount
            | Endpoint::MaterialCount => Method::GET,
            Endpoint::StableToken
            | Endpoint::SendAll
            | Endpoint::Preview
            | Endpoint::MassGet
            | Endpoint::MassDelete
            | Endpoint::DraftBatchGet
            | Endpoint::DraftAdd
            | Endpoint::DraftGet
            | Endpoint::DraftUpdate
            | Endpoint::DraftDelete
            | Endpoint::MaterialBatchGet
            | Endpoint::MaterialAdd
            | Endpoint::MaterialGet
            | Endpoint::MaterialDelete
            | Endpoint::UploadImg
            | Endpoint::UploadVideo
            | Endpoint::MassSend
            | Endpoint::ArticleRead
            | Endpoint::ArticleShare => Method::POST,
        }
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn every_endpoint_has_its_own_path_under_cgi_bin_or_datacube() {
        let mut paths: Vec<&str> = Endpoint::VARIANTS.iter().map(|e| e.path()).collect();
        assert!(
            paths
                .iter()
                .all(|p| p.starts_with("/cgi-bin/") || p.starts_with("/datacube/")),
            "{paths:?}"
        );
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), Endpoint::VARIANTS.len(), "no two share a path");
    }
}
