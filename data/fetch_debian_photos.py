"""Fetch 124 real photographs from Debian packages: people at work, food, offices, events, cats, trees.

    python data/fetch_debian_photos.py --dest data/downloads
    python data/holdout_photos.py --source data/downloads/debian-photos

Five Debian packages, each .deb pinned by its sha256 (a different file is an error) and
downloaded from the pool of the Debian mirror apt uses (some are from Debian 11 or 13, which
apt here does not list), then only unpacked, never installed:

- odoo/ (109): odoo-14 (Debian 11), whose copyright file puts every file not named otherwise
  (Files: *) under Odoo SA's LGPL-3+: the stock photos of its website builder, blog, events,
  e-learning and recruitment pages and of its point of sale: people in meetings and at
  desks, crowds at concerts, a baker, a street vendor, a hockey player, Odoo's own staff,
  burgers, sushi, pasta, coffee, wine, tarts, strawberries, a puffin, an owl, a kingfisher,
  gardens and ten kinds of tree. Not the flags, paintings, drawings, infographics,
  screenshots, video thumbnails with titles, logos and empty page backgrounds; not the
  photos grey in all but name (nine in ten pixels under chroma 10: a city, a crowd, an
  office, a cat, a portrait, white desks and architecture); not the avatars and product
  cut-outs (under 240 pixels, or palette PNGs); not the crops of other photos
  (s_carousel_2.jpg of event_cover_1.jpg, content_7_2.jpg of blog_2.jpeg); and
  channel_demo_tree_1.jpg only once.
- taquin/ (5): the cat photos of gnome-taquin's "cats" theme (Debian 13), which its copyright
  file credits one by one: four CC-BY-SA-3.0 from Wikimedia Commons, one public domain.
- gnome-backgrounds/ (1): Road.jpg of gnome-backgrounds 3.38 (Debian 11), by Garrett LeSage,
  CC-BY-SA-3.0 (its copyright file). Dark_Ivy.jpg, also named there, is grey in all but
  name; the package's other photos are not named in its copyright file.
- jquery-slides/ (7): the example slides of libjs-jquery-slides (Debian 12; copyright:
  Files: slides/*, Nathan Searles, Apache-2.0): autumn leaves, lights at night, the sea, a
  bench, a record player. One size of each (the other examples repeat them; slide.jpg is
  slide-1.jpg again), and not the product example's grey shoes.
- gramps/ (2): the two colour photos of Gramps' example family tree (Debian 12; copyright:
  Files: *, the Gramps Project, GPL-2+): a man yawning, a young woman. The others are
  black and white or sepia, or under 240 pixels.

debian-photos.COPYRIGHT/ gets each package's copyright file and CREDITS, a line per photo.
"""

import fetch_everyday_photos as everyday
import fetch_web_photos as web
from fetching import parse_dest

FOLDER = "debian-photos"
EXPECTED_PHOTOS = 124
PHOTO_SUFFIXES = (".jpg", ".jpeg")
ODOO = "usr/lib/python3/dist-packages/odoo/addons/"
TAQUIN_CATS = "usr/share/gnome-taquin/themes/cats/"
SLIDES = "usr/share/doc/libjs-jquery-slides/examples/Linking/img/"
GRAMPS = "usr/share/doc/gramps/example/gramps/"


def under(folder, names):
    """The archive members folder+name of each of `names`."""
    return tuple(folder + name for name in names)


ODOO_PHOTOS = (
    under(ODOO + "l10n_ar/demo/", ["adhoc_jjs.jpeg"])
    + under(ODOO + "pos_restaurant/static/img/", [
        "th-cheeseburger.jpg", "th-club.jpg", "th-maki.jpg", "th-mozza.jpg", "th-pasta-4f.jpg",
        "th-salmon-avocado.jpg", "th-temaki.jpg", "th-tuna.jpg"])
    + under(ODOO + "product_matrix/static/img/", ["matrix_mycompany_tshirt.jpeg"])
    + under(ODOO + "project/static/src/img/", ["bird.jpg"])
    + under(ODOO + "survey/static/img/", [
        "coniferous.jpg", "cornaceae.jpg", "douglas_fir.jpg", "european_yew.jpg", "mountain_pine.jpg",
        "norway_spruce.jpg", "pinaceae.jpg", "pinus_sylvestris.jpg", "salicaceae.jpg", "ulmaceae.jpg"])
    + under(ODOO + "website/static/src/img/backgrounds/", [
        "building-profile.jpg", "la.jpg", "panama-sky.jpg", "peak.jpg", "sails.jpg"])
    + under(ODOO + "website/static/src/img/library/", [
        "bridge.jpg", "business_conference.jpg", "clock.jpg", "compass.jpg", "deliver.jpg", "firework.jpg",
        "gift.jpg", "ice_coffe.jpg", "manufacturing.jpg", "marketing.jpg", "mobile_device.jpg", "rocket.jpg",
        "sell.jpg", "shop.jpg", "sign.jpg", "sweet.jpg", "wine.jpg"])
    + under(ODOO + "website/static/src/img/snippets_demo/", [
        "s_banner.jpg", "s_media_list_1.jpg", "s_media_list_2.jpg", "s_media_list_3.jpg",
        "s_parallax.jpg", "s_quotes_carousel_1.jpg", "s_quotes_carousel_2.jpg"])
    + under(ODOO + "website_blog/static/src/img/", [
        "blog_1.jpeg", "blog_2.jpeg", *(f"content_{number}.jpg" for number in (
            "1_1", "1_2", "2_1", "2_2", "2_3", "3_1", "4_1", "5_1", "6_1", "7_1")),
        *(f"cover_{number}.jpg" for number in range(1, 8))])
    + under(ODOO + "website_event/static/src/img/", [
        *(f"event_cover_{number}.jpg" for number in (0, 1, 2, 3, 4, 5, 7)), "event_past_0.jpg",
        "event_training_0.jpg"])
    + under(ODOO + "website_hr_recruitment/static/src/img/", [
        "1010054_10151543538268963_186969588_n.jpg", "1017407_10151536656083963_857938319_n.jpg",
        "1044326_10151536655788963_587131144_n.jpg", "882207_10151545507603963_1381082528_o.jpg",
        *(f"job_image_{number}.jpg" for number in range(1, 7))])
    + under(ODOO + "website_sale/static/src/img/", ["play_where_you_play.jpg"])
    + under(ODOO + "website_sale_slides/static/img/", ["flower_pot.jpg", "water_can.jpg"])
    + under(ODOO + "website_slides/static/src/img/", [
        "channel-documentation-default.jpg", "channel-training-default.jpg", "channel_demo_furniture.jpg",
        "channel_demo_furniture_3.jpg", "channel_demo_gardening.jpg", "channel_demo_gardening_2.jpg",
        "channel_demo_gardening_3.jpg", "channel_demo_tree_1.jpg", "slide_demo_furniture.jpg",
        "slide_demo_gardening.jpg", "slide_demo_owl.jpg", "slide_demo_thumb_5WMqwTnZ-qs.jpg",
        "slide_demo_thumb_QYmgrw0PgLU.jpg", "slide_demo_thumb_ebBez6bcSEc.jpg", "slide_demo_thumb_l0JZ25VvbwE.jpg",
        "slide_demo_tree_img_1.jpg", "slide_demo_tree_img_2.jpg", "slide_demo_tree_img_3.jpg"])
)

TAQUIN_CREDITS = {
    "1-Cat_face_day.jpg": "Abelard on Wikimedia Commons, CC-BY-SA-3.0",
    "1-Jasmina.jpg": "Ruskis on Wikimedia Commons, CC-BY-SA-3.0",
    "1-maine.jpg": "Mueller-rech.muenchen on Wikimedia Commons, CC-BY-SA-3.0",
    "1-march.jpg": "Alvesgaspar on Wikimedia Commons, CC-BY-SA-3.0",
    "1-Tortoiseshell.jpg": "Toyah on Wikimedia Commons, public domain",
}


def copyright_of(package):
    """{its copyright file: the name it gets in the COPYRIGHT folder} of a Debian package."""
    return {f"usr/share/doc/{package}/copyright": f"{package}.copyright"}


PACKAGES = (
    everyday.Package(
        "pool/main/o/odoo/odoo-14_14.0.0+dfsg.2-7+deb11u2_all.deb", "odoo-14_14.0.0+dfsg.2-7+deb11u2_all.deb",
        "95f0532e73d2d84490355716f74ee535db16a3bb1e889d15a72ff402dbed7ecb", "68 MB",
        "odoo", ODOO_PHOTOS, set(),
        lambda name: "Odoo SA, Odoo 14's demo and website images, LGPL-3+ (Debian's copyright of odoo-14: Files: *)",
        copyright_of("odoo-14")),
    everyday.Package(
        "pool/main/g/gnome-taquin/gnome-taquin_3.38.1-4_amd64.deb", "gnome-taquin_3.38.1-4_amd64.deb",
        "23501a7faa446a4e51c934b6929e507c0af5d6255e71cb53672413be4e25f628", "5 MB",
        "taquin", under(TAQUIN_CATS, sorted(TAQUIN_CREDITS)), set(),
        web.credited(TAQUIN_CREDITS, "Debian's copyright of gnome-taquin: Files: data/themes/cats/NAME"),
        copyright_of("gnome-taquin")),
    everyday.Package(
        "pool/main/g/gnome-backgrounds/gnome-backgrounds_3.38.0-1_all.deb", "gnome-backgrounds_3.38.0-1_all.deb",
        "76d8a4c52e5f346d9cb08bc8a1f58ad443d2bae211721af8a7248457c7a520e8", "41 MB",
        "gnome-backgrounds", ("usr/share/backgrounds/gnome/Road.jpg",), set(),
        lambda name: "Garrett LeSage, CC-BY-SA-3.0 (Debian's copyright of gnome-backgrounds 3.38)",
        copyright_of("gnome-backgrounds")),
    everyday.Package(
        "pool/main/j/jquery-goodies/libjs-jquery-slides_12-4_all.deb", "libjs-jquery-slides_12-4_all.deb",
        "341d34935e179e556802a39f70b4e0acb5df8591af99406b06bde4309fdcf4f2", "1 MB",
        "jquery-slides", under(SLIDES, [f"slide-{number}.jpg" for number in range(1, 8)]), set(),
        lambda name: "Nathan Searles, Slides' examples, Apache-2.0 (Debian's copyright: Files: slides/*)",
        copyright_of("libjs-jquery-slides")),
    everyday.Package(
        "pool/main/g/gramps/gramps_5.1.5-1_all.deb", "gramps_5.1.5-1_all.deb",
        "77875e0983e97498e91a14b4fd4033998146a582c7932a993cf268929a9fda6b", "7 MB",
        "gramps", under(GRAMPS, ["Gunnlaugur_Larusson_-_Yawn.jpg", "O4.jpg"]), set(),
        lambda name: "The Gramps Project, Gramps' example family tree, GPL-2+ (Debian's copyright of gramps: Files: *)",
        copyright_of("gramps")),
)


def photos_in(folder):
    return [path for path in folder.rglob("*") if path.suffix in PHOTO_SUFFIXES]


def fetch(dest):
    """Download (unless present), verify and unpack the photos; returns their folder."""
    archives = [everyday.download(package, dest) for package in PACKAGES]
    return everyday.install_packages(dest, FOLDER, EXPECTED_PHOTOS, lambda folder: len(photos_in(folder)),
                                     PACKAGES, archives)


def main(argv=None):
    folder = fetch(parse_dest(__doc__, argv))
    print(f"{EXPECTED_PHOTOS} photos ready (sha256 verified): {folder}")
    print(f"next: python data/holdout_photos.py --source {folder}")


if __name__ == "__main__":
    main()
