"""Fetch 223 real photographs from Debian packages: people, food, offices, pets, reef fish, lab tools, trees.

    python data/fetch_debian_photos.py --dest data/downloads
    python data/holdout_photos.py --source data/downloads/debian-photos

Sixteen Debian packages, each .deb pinned by its sha256 (a different file is an error) and
downloaded from the pool of the Debian mirror apt uses (some are from Debian 11 or 13, which
apt here does not list), then only unpacked, never installed. Each one's copyright file
(Debian's, in the COPYRIGHT folder) names the files taken or covers them with Files: *:

- odoo/ (109): odoo-14 (Debian 11), whose copyright file puts every file not named otherwise
  (Files: *) under Odoo SA's LGPL-3+: the stock photos of its website builder, blog, events,
  e-learning and recruitment pages and of its point of sale: people in meetings and at
  desks, crowds at concerts, a baker, a street vendor, a hockey player, a team photo on a lawn,
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
- psychtoolbox/ (7): the pictures of psychtoolbox-3-common's demos (Debian 13; Expat): rabbits
  (a toy car with two among them), a street, a hanging flower basket. Not the painted rabbits,
  the grey head, the collage of patterns, nor the copies under other names.
- libjxl/ (6): libjxl-testdata (Debian 13): flowers, bicycles, a drawing room (the JPEG XL
  Project's, BSD-3-clause) and three photos from wesaturate.com (CC0): tulips, blossom, a cliff.
- gdk-pixbuf/ (2): two of gdk-pixbuf-tests' test images (Debian 13; GPL-2+): a boat on a pond,
  a man at night.
- lifeograph/ (4): Lifeograph's backgrounds (Debian 13; GPL-3+): a cloister, a pier, sand, a
  sunset. Not fog, snow, the street and the trams, grey in all but name.
- psychopy/ (6): PsychoPy's demo pictures (Debian 11; GPL-3+): a party, swimmers, a canal, a
  lake, autumn, a face.
- mate-user-admin/ (13): its user pictures (Debian 13; GPL-3+, named one by one): a cat, a
  hummingbird, a surfer, tomatoes, coffee, a plane's wing and more. Not the guitar and the
  calculator, grey in all but name.
- forensics-samples/ (6): the photos of forensics-samples-files (Debian 13; CC-BY-SA-4.0,
  Files: original-files/*): dogs, a dinner table, a street, a circuit board.
- kalzium/ (12): Kalzium's pictures of lab tools (Debian 13; GPL-2+): glassware, a burner, a
  balance, an evaporator. Not the spatulas and the funnel, grey in all but name; its other
  tool pictures are under 240 pixels.
- gambas3-examples/ (4) and imaging/ (1): the photos among Gambas' examples (Debian 13; GPL-2+):
  roses, a dog, a vineyard in snow, the Earth rising over the Moon; and the test photo of the
  Go imaging library (Debian 13, golang-github-disintegration-imaging-dev; Expat): white flowers.
- krank/ (38): the game Krank's backgrounds (Debian 13), underwater photos of a coral reef by
  Slava Anishenko, public domain (Debian's copyright of krank): clownfish, lionfish, a
  turtle, rays, a moray, corals, divers. Not the copies: menu-scores1.jpg is bonus-01.jpg,
  menu-credits.jpg and menu-sounds.jpg are level-18.jpg and menu-play.jpg upside down.

debian-photos.COPYRIGHT/ gets each package's copyright file and CREDITS, a line per photo.
"""

from fetching import (
    Package,
    copyright_of,
    credited,
    install_packages,
    parse_dest,
    say_ready,
    under,
)

FOLDER = "debian-photos"
EXPECTED_PHOTOS = 223
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".JPG")
ODOO = "usr/lib/python3/dist-packages/odoo/addons/"
TAQUIN_CATS = "usr/share/gnome-taquin/themes/cats/"
SLIDES = "usr/share/doc/libjs-jquery-slides/examples/Linking/img/"
GRAMPS = "usr/share/doc/gramps/example/gramps/"


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


PSYCHTOOLBOX = "usr/share/psychtoolbox-3/"
EYELINK_DEMOS = PSYCHTOOLBOX + "PsychHardware/EyelinkToolbox/EyelinkDemos/SR-ResearchDemos/"
JXL = "usr/share/libjxl-testdata/"
WESATURATE = JXL + "external/wesaturate/"
PSYCHOPY_DEMOS = "usr/lib/python3/dist-packages/psychopy/demos/coder/"
FORENSICS = "usr/share/forensics-samples/original-files/"
GAMBAS = "usr/share/doc/gambas3-examples/examples/"
JXL_PROJECT = "the JPEG XL Project Authors, libjxl's test data, BSD-3-clause, Files: *"
JXL_WESATURATE = "wesaturate.com, CC0, Files: external/wesaturate/* (and the folder's README.md)"
JXL_CREDITS = {"flower.png": JXL_PROJECT, "bicycles_restarts.jpg": JXL_PROJECT, "hdr_room.png": JXL_PROJECT,
               **{name: JXL_WESATURATE for name in ("cvo9xd_keong_macan_srgb8.png", "tmshre_riaphotographs_srgb8.png",
                                                    "u76c0g_bliznaca_srgb8.png")}}

PACKAGES = (
    Package(
        "pool/main/o/odoo/odoo-14_14.0.0+dfsg.2-7+deb11u2_all.deb", "odoo-14_14.0.0+dfsg.2-7+deb11u2_all.deb",
        "95f0532e73d2d84490355716f74ee535db16a3bb1e889d15a72ff402dbed7ecb", "68 MB",
        "odoo", ODOO_PHOTOS, set(),
        lambda name: "Odoo SA, Odoo 14's demo and website images, LGPL-3+ (Debian's copyright of odoo-14: Files: *)",
        copyright_of("odoo-14")),
    Package(
        "pool/main/g/gnome-taquin/gnome-taquin_3.38.1-4_amd64.deb", "gnome-taquin_3.38.1-4_amd64.deb",
        "23501a7faa446a4e51c934b6929e507c0af5d6255e71cb53672413be4e25f628", "5 MB",
        "taquin", under(TAQUIN_CATS, sorted(TAQUIN_CREDITS)), set(),
        credited(TAQUIN_CREDITS, "Debian's copyright of gnome-taquin: Files: data/themes/cats/NAME"),
        copyright_of("gnome-taquin")),
    Package(
        "pool/main/g/gnome-backgrounds/gnome-backgrounds_3.38.0-1_all.deb", "gnome-backgrounds_3.38.0-1_all.deb",
        "76d8a4c52e5f346d9cb08bc8a1f58ad443d2bae211721af8a7248457c7a520e8", "41 MB",
        "gnome-backgrounds", ("usr/share/backgrounds/gnome/Road.jpg",), set(),
        lambda name: "Garrett LeSage, CC-BY-SA-3.0 (Debian's copyright of gnome-backgrounds 3.38)",
        copyright_of("gnome-backgrounds")),
    Package(
        "pool/main/j/jquery-goodies/libjs-jquery-slides_12-4_all.deb", "libjs-jquery-slides_12-4_all.deb",
        "341d34935e179e556802a39f70b4e0acb5df8591af99406b06bde4309fdcf4f2", "1 MB",
        "jquery-slides", under(SLIDES, [f"slide-{number}.jpg" for number in range(1, 8)]), set(),
        lambda name: "Nathan Searles, Slides' examples, Apache-2.0 (Debian's copyright: Files: slides/*)",
        copyright_of("libjs-jquery-slides")),
    Package(
        "pool/main/g/gramps/gramps_5.1.5-1_all.deb", "gramps_5.1.5-1_all.deb",
        "77875e0983e97498e91a14b4fd4033998146a582c7932a993cf268929a9fda6b", "7 MB",
        "gramps", under(GRAMPS, ["Gunnlaugur_Larusson_-_Yawn.jpg", "O4.jpg"]), set(),
        lambda name: "The Gramps Project, Gramps' example family tree, GPL-2+ (Debian's copyright of gramps: Files: *)",
        copyright_of("gramps")),
    Package(
        "pool/main/p/psychtoolbox-3/psychtoolbox-3-common_3.0.19.14.dfsg1-1_all.deb",
        "psychtoolbox-3-common_3.0.19.14.dfsg1-1_all.deb",
        "7ad844a02f800a34e4d2725235438a4fa725bf29239af53d199778412313f483", "26 MB",
        "psychtoolbox",
        under(PSYCHTOOLBOX + "PsychDemos/PsychExampleExperiments/OldNewRecognition/stims/",
              [f"stim{number}.jpg" for number in range(1, 6)])
        + (EYELINK_DEMOS + "GazeContingent/FixWindowBufferedSamples/img1.jpg", EYELINK_DEMOS + "MRI_BlockRecord/img3.jpg"),
        set(),
        lambda name: "the Psychtoolbox-3 authors, its demos' pictures, Expat (Debian's copyright of psychtoolbox-3-common: Files: *)",
        copyright_of("psychtoolbox-3-common")),
    Package(
        "pool/main/libj/libjxl-testdata/libjxl-testdata_0.0~git20240106.ff8d743-2_all.deb",
        "libjxl-testdata_0.0~git20240106.ff8d743-2_all.deb",
        "01e1b088667e28ac757d41e13c40da6310830dc1feff085f8f591db19b811af7", "57 MB",
        "libjxl",
        (JXL + "jxl/flower/flower.png", JXL + "jxl/jpeg_reconstruction/bicycles_restarts.jpg", JXL + "jxl/hdr_room.png")
        + under(WESATURATE + "500px/", sorted(name for name in JXL_CREDITS if name.endswith("_srgb8.png"))),
        set(),
        credited(JXL_CREDITS, "Debian's copyright of libjxl-testdata"),
        {**copyright_of("libjxl-testdata"), WESATURATE + "README.md": "libjxl-testdata-wesaturate.README.md",
         WESATURATE + "LICENSE.md": "libjxl-testdata-wesaturate.LICENSE.md"}),
    Package(
        "pool/main/g/gdk-pixbuf/gdk-pixbuf-tests_2.42.12+dfsg-4+deb13u1_amd64.deb",
        "gdk-pixbuf-tests_2.42.12+dfsg-4+deb13u1_amd64.deb",
        "c12144ba502b82cb239896daf30140786e13fb10e597b0968722e5efc4471c12", "6 MB",
        "gdk-pixbuf", under("usr/libexec/installed-tests/gdk-pixbuf/", ["bug143608-comment.jpg", "issue70.jpg"]), set(),
        lambda name: "GNOME's gdk-pixbuf test images, GPL-2+ (Debian's copyright of gdk-pixbuf: Files: tests/*)",
        copyright_of("gdk-pixbuf-tests")),
    Package(
        "pool/main/l/lifeograph/lifeograph_3.0.1-1_amd64.deb", "lifeograph_3.0.1-1_amd64.deb",
        "aeefd4f29b248670aea8947814167a5665625e5af8f4b9049903ad39dfa96dbd", "10 MB",
        "lifeograph", under("usr/share/net.sourceforge.Lifeograph/backgrounds/",
                            ["cloister.jpg", "horizon.jpg", "pier.jpg", "sands.jpg"]), set(),
        lambda name: "Ahmet Öztürk, Lifeograph's backgrounds, GPL-3+ (Debian's copyright of lifeograph: Files: *)",
        copyright_of("lifeograph")),
    Package(
        "pool/main/p/psychopy/psychopy_2020.2.10+dfsg-2_all.deb", "psychopy_2020.2.10+dfsg-2_all.deb",
        "64c5c0a28b7dbbfaeb1e7e5e168e177eaeeea2f4fdc38124a67b9a219e84a7bf", "7 MB",
        "psychopy",
        under(PSYCHOPY_DEMOS + "iohub/eyetracking/gcCursor/images/",
              ["canal.jpg", "fall.jpg", "lake.jpg", "party.jpg", "swimming.jpg"])
        + (PSYCHOPY_DEMOS + "stimuli/face.jpg",),
        set(),
        lambda name: "the PsychoPy authors, its demos' pictures, GPL-3+ (Debian's copyright of psychopy: Files: *)",
        copyright_of("psychopy")),
    Package(
        "pool/main/m/mate-user-admin/mate-user-admin_1.7.0-1+b1_amd64.deb", "mate-user-admin_1.7.0-1+b1_amd64.deb",
        "05335adbb868deab5df44fb150df4e432cada58be435c943d652e9c4037c359b", "1 MB",
        "mate-user-admin", under("usr/share/mate-user-admin/face/", [
            f"{name}.jpg" for name in ("bicycle", "cat", "coffee2", "flower2", "gamepad", "headphones", "hummingbird",
                                       "ic", "mountain", "plane", "surfer", "tomatoes", "tree")]), set(),
        lambda name: "zhuyaliang, mate-user-admin's user pictures, GPL-3+ (Debian's copyright names data/face/NAME)",
        copyright_of("mate-user-admin")),
    Package(
        "pool/main/f/forensics-samples/forensics-samples-files_1.1.4-5_all.deb", "forensics-samples-files_1.1.4-5_all.deb",
        "8710c751be1a71a88e343540ea1a5cab1fd349c2bcdf07626a27cfe68689e7c4", "30 MB",
        "forensics-samples",
        under(FORENSICS + "pic1/", ["IMG-20191006-WA0002.jpg", "IMG_1054.JPG", "IMG_20200827_231612.jpg"])
        + under(FORENSICS + "pic2/", ["IMG_20191224_234846.jpg", "IMG_20200124_231153.jpg", "IMG_20200608_111614.jpg"]),
        set(),
        lambda name: ("Joao Eriberto Mota Filho, forensics-samples' original files, CC-BY-SA-4.0 "
                      "(Debian's copyright of forensics-samples: Files: original-files/*)"),
        copyright_of("forensics-samples-files")),
    Package(
        "pool/main/k/kalzium/kalzium-data_25.04.0-1_all.deb", "kalzium-data_25.04.0-1_all.deb",
        "986b5549a8ba2b1f73d000deecb6f3a99c109e2cb16ee65d0ce58a6fefe0f2bf", "5 MB",
        "kalzium", under("usr/share/kalzium/data/toolpics/", [
            "abzug.jpg", "becherglas.jpg", "brenner.jpg", "dsc.jpg", "erlenmeyerkolben.jpg", "exikator.jpg",
            "hplc.jpg", "phpapier.jpg", "rg-staender.jpg", "rotationsverdampfer.jpg", "verteiler.jpg", "waage.jpg"]),
        set(),
        lambda name: "the Kalzium authors, its pictures of lab tools, GPL-2+ (Debian's copyright of kalzium-data: Files: *)",
        copyright_of("kalzium-data")),
    Package(
        "pool/main/g/gambas3/gambas3-examples_3.20.2-1+deb13u1_all.deb", "gambas3-examples_3.20.2-1+deb13u1_all.deb",
        "e518835d8fc97d2d2734f05871b051baf16c81f9a6b68bfc83fec0227b8badc9", "6 MB",
        "gambas3-examples", (GAMBAS + "Drawing/Fractal/rose.jpg", GAMBAS + "Drawing/Painting/clovis.jpg",
                             GAMBAS + "Drawing/Painting/image.jpg", GAMBAS + "Games/Concent/imagenes/tierra3.jpg"), set(),
        lambda name: "the Gambas authors, its examples' pictures, GPL-2+ (Debian's copyright of gambas3: Files: *)",
        copyright_of("gambas3-examples")),
    Package(
        "pool/main/g/golang-github-disintegration-imaging/golang-github-disintegration-imaging-dev_1.6.2-3_all.deb",
        "golang-github-disintegration-imaging-dev_1.6.2-3_all.deb",
        "8f41d758b7235b6d9d41a74b4d80ade0d63d53dd5bee29c52618dc525941e88b", "2 MB",
        "imaging", ("usr/share/gocode/src/github.com/disintegration/imaging/testdata/flowers.png",), set(),
        lambda name: "Grigory Dryapak, the imaging library's test image, Expat (Debian's copyright: Files: *)",
        copyright_of("golang-github-disintegration-imaging-dev")),
    Package(
        "pool/main/k/krank/krank_0.7+dfsg2-5_all.deb", "krank_0.7+dfsg2-5_all.deb",
        "2e7db7a687209fe303e4e9eb6aafc85063f971d888a098cac91a4021da131b28", "58 MB",
        "krank", under("usr/share/games/krank/levels/unera-backgrounds/", [
            "bonus-01.jpg", *(f"level-{number:02d}.jpg" for number in range(1, 31)),
            *(f"menu{name}.jpg" for name in ("", "-levels", "-play", "-scores", "-scores2", "-scores3", "-screen"))]),
        set(),
        lambda name: "Slava Anishenko, Krank's backgrounds, public domain (Debian's copyright of krank)",
        copyright_of("krank")),
)


def fetch(dest):
    """Download (unless present), verify and unpack the photos; returns their folder."""
    return install_packages(dest, FOLDER, EXPECTED_PHOTOS, PHOTO_SUFFIXES, PACKAGES)


def main(argv=None):
    folder = fetch(parse_dest(__doc__, argv))
    say_ready(folder, EXPECTED_PHOTOS)


if __name__ == "__main__":
    main()
